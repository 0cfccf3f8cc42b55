# bash completion for stint. Every candidate comes from `stint __complete WORD...`
# (cli/cmd_complete.c): one line each, "CANDIDATE[<TAB>DESCRIPTION]", then ":none", ":files" or
# ":dirs". Installed as share/bash-completion/completions/stint; bash-completion loads it.

_stint() {
	local cur prog out directive line cand pre breaks i
	local -a words lines
	local cword

	if declare -F _get_comp_words_by_ref >/dev/null; then
		# bash-completion's view: '--by=tag' and 'a:b' stay one word.
		_get_comp_words_by_ref -n =: cur words cword
	else
		# Without it, only rejoin '--opt' '=' 'value', which bash splits apart.
		words=() cword=-1
		for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
			if [[ ${COMP_WORDS[i]} == = && ${words[-1]-} == --* ]]; then
				words[-1]+==
				((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
				if ((i < COMP_CWORD)); then
					((i++))
					words[-1]+=${COMP_WORDS[i]}
				fi
			else
				words+=("${COMP_WORDS[i]}")
			fi
			((i == COMP_CWORD && cword < 0)) && cword=$((${#words[@]} - 1))
		done
		cur=${words[cword]}
	fi
	prog=${words[0]}
	[[ $prog == "~/"* ]] && prog=$HOME/${prog#"~/"}
	out=$("$prog" __complete "${words[@]:1:cword}" 2>/dev/null) || return 0
	mapfile -t lines <<<"$out"
	((${#lines[@]})) || return 0
	directive=${lines[-1]}
	unset 'lines[-1]'
	COMPREPLY=()
	for line in "${lines[@]}"; do
		cand=${line%%$'\t'*}
		# A candidate is inserted as it stands: quote what the shell would split or expand.
		if [[ $directive == :none && $cand == *[!A-Za-z0-9_./:=,@%+~-]* ]]; then
			if [[ $cand == "~/"* ]]; then
				cand="~/$(printf %q "${cand#"~/"}")"
			else
				cand=$(printf %q "$cand")
			fi
		fi
		COMPREPLY+=("$cand")
	done
	# bash replaces only what follows the last '=' or ':' it splits words at.
	breaks=${COMP_WORDBREAKS//[!=:]/}
	if [[ -n $breaks && $cur == *["$breaks"]* ]]; then
		pre=${cur%"${cur##*["$breaks"]}"}
		COMPREPLY=("${COMPREPLY[@]#"$pre"}")
	fi
	case $directive in
	:dirs | :files)
		if declare -F _filedir >/dev/null; then
			if [[ $directive == :dirs ]]; then _filedir -d; else _filedir; fi
		else
			compopt -o filenames 2>/dev/null
			mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(
				if [[ $directive == :dirs ]]; then compgen -d -- "$cur"; else compgen -f -- "$cur"; fi
			)
		fi
		;;
	esac
	return 0
}
complete -F _stint stint
