# Completes command lines in a real interactive zsh with compinit and prints, for each, the
# matches offered ("MATCH" or "MATCH -- DESCRIPTION", one a line), then a line "--".
# usage: zsh -f complete-zsh.zsh FPATH_DIR LINE...
# compadd is wrapped to print what it adds after zsh's own matching, the technique of
# zsh-capture-completion; TAB's widget prints a marker once a completion is done.
zmodload zsh/zpty || exit 3
fpath_dir=$1
shift
setup=$(mktemp "${TMPDIR:-/tmp}/complete-zsh.XXXXXX") || exit 3
trap 'rm -f $setup' EXIT
# What the interactive zsh runs first: read from a file, so the line editor echoes one short
# line and never a marker.
cat >$setup <<'SETUP'
PS1='' PROMPT='' RPROMPT='' HISTFILE=''
fpath=($__fpath_dir $fpath)
autoload -Uz compinit
compinit -u -D
compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return
	fi
	local -a __hits __dscr
	local __d i
	if (( $@[(I)-d] )); then
		__d=${@[$[${@[(i)-d]}+1]]}
		if [[ $__d == \(* ]]; then eval "__dscr=$__d"; else __dscr=("${(@P)__d}"); fi
	fi
	builtin compadd -A __hits -D __dscr "$@"
	for (( i = 1; i <= $#__hits; i++ )); do
		if (( $#__dscr >= i )); then
			print -r -- "MATCH:$IPREFIX$__hits[i] -- ${${__dscr[i]}#*-- }"
		else
			print -r -- "MATCH:$IPREFIX$__hits[i]"
		fi
	done
}
bindkey -e
# TAB completes, then marks the end of what the completion printed.
__complete_marked() {
	zle complete-word
	print -r -- __END__
}
zle -N __complete_marked
bindkey '^I' __complete_marked
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
SETUP
zpty z zsh -f -i
zpty -w z "__fpath_dir=${(q)fpath_dir}; source ${(q)setup}"
for line in "$@"; do
	zpty -n -w z "$line"$'\t'
	out=
	while zpty -r z chunk; do
		out+=$chunk
		[[ $chunk == *__END__* ]] && break
	done
	# The first match may follow the echo of the line on the same line.
	out=${${out//$'\r'/}//MATCH:/$'\n'MATCH:}
	lines=("${(@f)out}")
	print -rl -- "${(@)${(@M)lines:#MATCH:*}#MATCH:}"
	print -r -- --
	# Ctrl-U clears the line for the next one.
	zpty -n -w z $'\C-u'
done
zpty -d z
