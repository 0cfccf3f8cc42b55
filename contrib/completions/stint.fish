# fish completion for stint. Every candidate comes from `stint __complete WORD...`
# (cli/cmd_complete.c): one line each, "CANDIDATE[<TAB>DESCRIPTION]", then ":none", ":files" or
# ":dirs". Installed as share/fish/vendor_completions.d/stint.fish.

function __stint_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l out ($tokens[1] __complete $tokens[2..-1] $cur 2>/dev/null)
    or return 0
    test (count $out) -gt 0
    or return 0
    set -l directive $out[-1]
    set -e out[-1]
    test (count $out) -gt 0
    and printf '%s\n' $out
    switch $directive
        case :dirs
            __fish_complete_directories $cur
        case :files
            __fish_complete_path $cur
    end
end

complete -c stint -f -a '(__stint_complete)'
