/* The command table: every command's name, options, usage and help. main.c runs it. */

#include "commands.h"

#include <getopt.h>
#include <string.h>

#include "args.h"
#include "cmd_add.h"
#include "cmd_config.h"
#include "cmd_doctor.h"
#include "cmd_edit.h"
#include "cmd_export.h"
#include "cmd_import.h"
#include "cmd_notify.h"
#include "cmd_query.h"
#include "cmd_report.h"
#include "cmd_session.h"
#include "cmd_watch.h"

#define OPTION_HELP                                                                                \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}
#define OPTION_JSON                                                                                \
	{                                                                                          \
		"json", no_argument, NULL, ARGS_OPT_JSON                                           \
	}
#define OPTION_END                                                                                 \
	{                                                                                          \
		NULL, 0, NULL, 0                                                                   \
	}

static const struct option opts_start[] = {OPTION_HELP,
					   OPTION_JSON,
					   {"focus", required_argument, NULL, 'f'},
					   {"tag", required_argument, NULL, 't'},
					   {"at", required_argument, NULL, ARGS_OPT_AT},
					   OPTION_END};
static const struct option opts_edit[] = {OPTION_HELP,
					  OPTION_JSON,
					  {"focus", required_argument, NULL, 'f'},
					  {"tag", required_argument, NULL, 't'},
					  {"untag", required_argument, NULL, ARGS_OPT_UNTAG},
					  {"start", required_argument, NULL, ARGS_OPT_START},
					  {"end", required_argument, NULL, ARGS_OPT_END},
					  OPTION_END};
static const struct option opts_basic[] = {OPTION_HELP, OPTION_JSON, OPTION_END};
static const struct option opts_status[] = {OPTION_HELP,
					    OPTION_JSON,
					    {"short", no_argument, NULL, ARGS_OPT_SHORT},
					    {"format", required_argument, NULL, ARGS_OPT_FORMAT},
					    {"all", no_argument, NULL, 'a'},
					    OPTION_END};
static const struct option opts_stop[] = {OPTION_HELP,
					  OPTION_JSON,
					  {"summary", required_argument, NULL, 's'},
					  {"no-log", no_argument, NULL, ARGS_OPT_NO_LOG},
					  {"edit", no_argument, NULL, ARGS_OPT_EDIT},
					  {"no-checks", no_argument, NULL, ARGS_OPT_NO_CHECKS},
					  {"at", required_argument, NULL, ARGS_OPT_AT},
					  OPTION_END};
static const struct option opts_note[] = {OPTION_HELP,
					  OPTION_JSON,
					  {"learning", no_argument, NULL, ARGS_OPT_LEARNING},
					  {"challenge", no_argument, NULL, ARGS_OPT_CHALLENGE},
					  OPTION_END};
static const struct option opts_todo[] = {
    OPTION_HELP,
    OPTION_JSON,
    {"priority", required_argument, NULL, 'p'},
    {"blocked-by", required_argument, NULL, ARGS_OPT_BLOCKED_BY},
    {"next", no_argument, NULL, ARGS_OPT_NEXT},
    OPTION_END};
static const struct option opts_decision[] = {
    OPTION_HELP, OPTION_JSON, {"why", required_argument, NULL, 'w'}, OPTION_END};
static const struct option opts_list[] = {OPTION_HELP,
					  OPTION_JSON,
					  {"limit", required_argument, NULL, 'n'},
					  {"all", no_argument, NULL, 'a'},
					  {"from", required_argument, NULL, ARGS_OPT_FROM},
					  {"to", required_argument, NULL, ARGS_OPT_TO},
					  {"tag", required_argument, NULL, 't'},
					  OPTION_END};
static const struct option opts_report[] = {OPTION_HELP,
					    OPTION_JSON,
					    {"csv", no_argument, NULL, ARGS_OPT_CSV},
					    {"by", required_argument, NULL, ARGS_OPT_BY},
					    {"from", required_argument, NULL, ARGS_OPT_FROM},
					    {"to", required_argument, NULL, ARGS_OPT_TO},
					    {"tag", required_argument, NULL, 't'},
					    {"logs", no_argument, NULL, ARGS_OPT_LOGS},
					    OPTION_END};
static const struct option opts_add[] = {OPTION_HELP,
					 OPTION_JSON,
					 {"start", required_argument, NULL, ARGS_OPT_START},
					 {"end", required_argument, NULL, ARGS_OPT_END},
					 {"focus", required_argument, NULL, 'f'},
					 {"tag", required_argument, NULL, 't'},
					 OPTION_END};
static const struct option opts_export[] = {OPTION_HELP,
					    {"format", required_argument, NULL, ARGS_OPT_FORMAT},
					    {"from", required_argument, NULL, ARGS_OPT_FROM},
					    {"to", required_argument, NULL, ARGS_OPT_TO},
					    {"tag", required_argument, NULL, 't'},
					    {"all", no_argument, NULL, 'a'},
					    OPTION_END};
static const struct option opts_log[] = {
    OPTION_HELP,
    {"last", no_argument, NULL, ARGS_OPT_LAST},
    {"all", no_argument, NULL, 'a'},
    {"regenerate", required_argument, NULL, ARGS_OPT_REGENERATE},
    OPTION_JSON,
    OPTION_END};
static const struct option opts_help[] = {OPTION_HELP, OPTION_END};
static const struct option opts_import[] = {
    OPTION_HELP, {"repo", required_argument, NULL, ARGS_OPT_REPO}, OPTION_JSON, OPTION_END};
static const struct option opts_doctor[] = {
    OPTION_HELP, {"restore", no_argument, NULL, 'r'}, OPTION_END};
static const struct option opts_watch[] = {
    OPTION_HELP, OPTION_JSON, {"list", no_argument, NULL, ARGS_OPT_LIST}, OPTION_END};

#define HELP_C	  "  -C PATH             use the repository containing PATH, not the current one\n"
#define HELP_JSON "  --json              print the daemon's reply as JSON\n"
#define HELP_TEXT                                                                                  \
	"Words of TEXT are joined with spaces; TEXT '-' reads it from stdin (at most 8192\n"       \
	"bytes). Put '--' before TEXT that starts with '-'.\n"

const struct cli_command commands_table[] = {
    {"start", cmd_session_start, "hC:f:t:", opts_start,
     "stint start [--focus TEXT] [--tag TAG]... [--at TIME] [-C PATH] [--json]",
     "Open a session for the repository you are in",
     "  -f, --focus TEXT    what the session is about (at most 256 bytes)\n"
     "  -t, --tag TAG       a tag without spaces or commas; repeat for more (up to 16)\n"
     "  --at TIME           it started at TIME (10m ago, 14:05...): the time since counts\n"
     "                      as active; refused in the future or over another session\n" HELP_C
	 HELP_JSON "\nThe session belongs to the root of the git working tree containing the\n"
     "directory (or to the directory itself outside git). One session per\n"
     "repository can be open at a time.\n"},
    {"status", cmd_query_status, "hC:a", opts_status,
     "stint status [-C PATH] [--json] | [--short | --format FORMAT] [-C PATH | --all]",
     "Show the open sessions",
     "  -C PATH             only the session for the repository containing PATH\n"
     "  --json              print {\"v\":1,\"ok\":true,\"sessions\":[...],\"daemon\":{...}}\n"
     "  --short             one line for a prompt: the session of this directory (or\n"
     "                      -C's), as '● main 1h05m' (● active, ◌ idle, ⏸ paused)\n"
     "  --format FORMAT     that line from a template of {field}s: icon, state, repo,\n"
     "                      branch, focus, active, commits, added, removed, others;\n"
     "                      '{ branch}' prints its space only with a branch. Presets:\n"
     "                      short, waybar (JSON for waybar's custom module)\n"
     "  -a, --all           with --short or --format: the session of any directory\n"
     "                      (working first, then idle, then paused; newest first),\n"
     "                      with its repository and {others} open\n"
     "\nWithout -C every open session is shown, wherever it is. --short and --format\n"
     "print nothing and exit 0 when there is no session, when stintd is not running\n"
     "(they never start it) and when -C's directory is gone (a prompt in a deleted\n"
     "directory). The numbers follow a change within a few seconds (the recompute\n"
     "waits for the files to settle). See docs/integrations.md.\n"},
    {"stop", cmd_session_stop, "hC:s:", opts_stop,
     "stint stop [--summary TEXT] [--edit | --no-log] [--no-checks] [--at TIME] [-C PATH] "
     "[--json]",
     "Close the session and write its log",
     "  -s, --summary TEXT  a summary for the log ('-' reads stdin)\n"
     "  --at TIME           it ended at TIME: what came after is left out of its time\n"
     "                      (not before its last pause, resume, note, todo or decision)\n"
     "  --edit              then open the log in $VISUAL, else $EDITOR, else vi\n"
     "                      (not with --no-log or --json)\n"
     "  --no-log            close without writing a log\n"
     "  --no-checks         skip the [checks]; the log says they were skipped\n" HELP_C
     "  --json              print the closed session (its final numbers), \"log\" (its\n"
     "                      path or null) and \"stopped\": {\"by\": \"stop\", or how it\n"
     "                      stopped without you (auto-stop, ...), \"at\": when}\n"
     "\nThe last line printed is the log's absolute path (none with --no-log).\n"
     "With --edit the editor's command line is run by /bin/sh, so it may hold\n"
     "arguments ('code --wait'); when it fails the session is stopped all the\n"
     "same, the log is kept and stint exits 0 after a warning. With [log] commit\n"
     "the log is committed once the editor is done, as the file then stands.\n"
     "\nOn a terminal, stderr shows which check runs and for how long. Ctrl-C then\n"
     "leaves: the stop goes on in stintd, which writes the log when the checks end.\n"
     "When the session had stopped without you (auto-stop, the notification's Stop\n"
     "button, a stop interrupted with Ctrl-C) within the last 24 hours, stop says\n"
     "when and why and prints its log.\n"},
    {"pause", cmd_session_simple, "hC:", opts_basic, "stint pause [-C PATH] [--json]",
     "Pause the session's clock", HELP_C HELP_JSON},
    {"resume", cmd_session_simple, "hC:", opts_basic, "stint resume [-C PATH] [--json]",
     "Resume a paused session", HELP_C HELP_JSON},
    {"keep", cmd_session_simple, "hC:", opts_basic, "stint keep [-C PATH] [--json]",
     "Count the session's current idle stretch as work",
     HELP_C HELP_JSON "\nFor a session that went idle while you were working away from the\n"
		      "repository (reading, a call): the time since its last activity counts as\n"
		      "active. The idle notification's Keep action does the same.\n"},
    {"cancel", cmd_session_simple, "hC:", opts_basic, "stint cancel [-C PATH] [--json]",
     "Close the session without writing a log",
     HELP_C HELP_JSON "\nThe session stays on record and shows in 'stint list' as cancelled.\n"},
    {"note", cmd_session_item, "hC:", opts_note,
     "stint note [--learning | --challenge] [-C PATH] [--json] TEXT...",
     "Add a note to the session",
     "  --learning          file it as something learned\n"
     "  --challenge         file it as a challenge met\n" HELP_C HELP_JSON "\n" HELP_TEXT},
    {"todo", cmd_session_todo, "hC:p:", opts_todo,
     "stint todo [--priority high|medium|low|blocked] [--blocked-by TEXT] [--next] [-C PATH] "
     "[--json] TEXT...",
     "Add a todo to the session",
     "  -p, --priority P    high, medium (the default), low or blocked\n"
     "  --blocked-by TEXT   what it waits for; implies --priority blocked\n"
     "  --next              for the next session: the log lists it under Next Steps,\n"
     "                      Immediate (Next Session), not under TODOs Created\n" HELP_C HELP_JSON
     "\n" HELP_TEXT},
    {"decision", cmd_session_item, "hC:w:", opts_decision,
     "stint decision [--why TEXT] [-C PATH] [--json] TEXT...",
     "Record a decision and its rationale",
     "  -w, --why TEXT      the rationale ('-' reads stdin)\n" HELP_C HELP_JSON "\n" HELP_TEXT},
    {"list", cmd_query_list, "hC:n:at:", opts_list,
     "stint list [RANGE | --from TIME [--to TIME]] [--tag TAG]... [--limit N] [--all | -C PATH] "
     "[--json]",
     "List closed sessions, newest first",
     "  RANGE               today, yesterday, week, last-week, month, last-month, year, all\n"
     "  --from TIME         sessions from TIME on (14:05, yesterday 17:30, 10m ago,\n"
     "                      2026-12-01T09:00, ISO 8601 with an offset)\n"
     "  --to TIME           ... until TIME (default: now)\n"
     "  -t, --tag TAG       only sessions with this tag (several: any of them)\n"
     "  -n, --limit N       at most N sessions (1 to 1000; default 20 without a range,\n"
     "                      none with one, and none with --json)\n"
     "  -a, --all           sessions of every repository (the default)\n"
     "  -C PATH             only the repository containing PATH ('-C .': this one)\n" HELP_JSON
     "\nEach line shows the session's id, start date and time, the active time, the\n"
     "repository, its branch, the focus, the tags and the log's path. Without -C the\n"
     "list covers every repository, so it answers \"what did I do lately\" from\n"
     "anywhere.\n"},
    {"edit", cmd_edit, "hC:f:t:", opts_edit,
     "stint edit [ID] [--focus TEXT] [--tag TAG]... [--untag TAG]... [--start TIME] "
     "[--end TIME] [-C PATH] [--json]",
     "Correct a session's focus, tags, start or end",
     "  ID                  a closed session (from 'stint list'); without it, the open\n"
     "                      session of the repository (focus, tags and --start only)\n"
     "  -f, --focus TEXT    the new focus\n"
     "  -t, --tag TAG       add a tag; repeat for more\n"
     "  --untag TAG         remove a tag; repeat for more\n"
     "  --start TIME        it started at TIME (10m ago, yesterday 17:30, ...)\n"
     "  --end TIME          it ended at TIME (a closed session)\n" HELP_C HELP_JSON
     "\nEach correction is kept as an event; the session's times in list and report\n"
     "change at once. An earlier start or later end adds active time; a later start\n"
     "or earlier end cuts it. Refused: a time in the future, an end before the start,\n"
     "an overlap with another session of the repository. See docs/reports.md.\n"},
    {"continue", cmd_edit_continue, "hC:", opts_basic, "stint continue [-C PATH] [--json]",
     "Start a session with the last one's focus and tags", HELP_C HELP_JSON},
    {"report", cmd_report, "hC:t:", opts_report,
     "stint report [RANGE | --from TIME [--to TIME]] [--by DIM[,DIM]] [--tag TAG]... [-C PATH] "
     "[--logs [PATH]] [--json | --csv]",
     "Totals of active time, sessions, commits, files and lines",
     "  RANGE               today (the default), yesterday, week, last-week, month,\n"
     "                      last-month, year, all\n"
     "  --from TIME         from TIME on (14:05, yesterday 17:30, 10m ago,\n"
     "                      2026-12-01T09:00, ISO 8601 with an offset)\n"
     "  --to TIME           ... until TIME (default: now)\n"
     "  --by DIM[,DIM]      group by repo (the default), tag, branch, focus, author,\n"
     "                      day, week or month; two give groups within groups\n"
     "  -t, --tag TAG       only sessions with this tag (several: any of them)\n"
     "  -C PATH             only the repository containing PATH\n" HELP_JSON
     "  --csv               print CSV (RFC 4180), durations in seconds\n"
     "  --logs [PATH]       total the record lines of the logs under PATH (default: the\n"
     "                      log directory of this repository, or -C's): a team's logs\n"
     "                      committed in git; each session counts once, unreadable logs\n"
     "                      are listed; no stintd needed\n"
     "\nActive time is the log's (idle, pauses and suspend left out), split at the\n"
     "range's ends and at local midnights. Commits, files and lines count on the day\n"
     "a session ended; files are summed over sessions (a file changed in two counts\n"
     "twice). See docs/reports.md.\n"},
    {"add", cmd_add, "hC:f:t:", opts_add,
     "stint add --start TIME --end TIME [--focus TEXT] [--tag TAG]... [-C PATH] [--json]",
     "Add a forgotten session, marked as added by hand",
     "  --start TIME        when it began (14:05, yesterday 17:30, 2h ago,\n"
     "                      2026-12-01T09:00, ISO 8601 with an offset)\n"
     "  --end TIME          when it ended; not in the future, after --start\n"
     "  -f, --focus TEXT    what the session was about\n"
     "  -t, --tag TAG       a tag; repeat for more (up to 16)\n" HELP_C HELP_JSON
     "\nThe session is closed at once: active from start to end, no log. Its commits,\n"
     "files and lines (committed work only) come from the repository's reflog when\n"
     "it goes back to the start; otherwise it has none and 'stint add' says why.\n"
     "It is refused when it overlaps another session of the repository,\n"
     "naming that session. 'stint list' shows it as (added); reports count it.\n"},
    {"export", cmd_export, "hC:t:a", opts_export,
     "stint export [RANGE | --from TIME [--to TIME]] [--tag TAG]... [-C PATH | --all] "
     "--format json|csv|timewarrior",
     "Write closed sessions to stdout as JSON, CSV or Timewarrior's JSON",
     "  --format F          json (each session with its events), csv (RFC 4180, a\n"
     "                      header row, durations in seconds) or timewarrior (the\n"
     "                      JSON of 'timew export': one interval per active span)\n"
     "  RANGE               today, yesterday, week, last-week, month, last-month,\n"
     "                      year, all (the default)\n"
     "  --from TIME         sessions from TIME on; --to TIME: until TIME\n"
     "  -t, --tag TAG       only sessions with this tag (several: any of them)\n"
     "  -a, --all           every repository (the default)\n" HELP_C
     "\nNewest first, as 'stint list'. See docs/reports.md, \"Export\".\n"},
    {"import", cmd_import, "h", opts_import,
     "stint import timewarrior [--repo NAME] FILE|DIR | watson FILE [--json]",
     "Import Timewarrior or Watson intervals as closed sessions",
     "  timewarrior FILE    a 'timew export' file (a JSON array of intervals)\n"
     "  timewarrior DIR     Timewarrior's data directory (~/.timewarrior/data)\n"
     "  --repo NAME         every Timewarrior interval under repository NAME, its\n"
     "                      other tags the session's tags\n"
     "  watson FILE         Watson's frames file (~/.config/watson/frames)\n"
     "  --json              print the counts as {\"v\":1,\"ok\":...,\"imported\":N,...}\n"
     "\nEach interval becomes a closed session marked imported: Watson's project is\n"
     "its repository's name, the tags its tags. Timewarrior sorts an interval's tags:\n"
     "without --repo its first tag in that (sorted) order is the repository's name.\n"
     "Importing the same data again adds nothing. Open intervals are skipped. A\n"
     "malformed file is refused with FILE:LINE and nothing of it imported.\n"},
    {"log", cmd_query_log, "hC:a", opts_log,
     "stint log [--last | DATE] [--all | -C PATH] [--json] | --regenerate ID [--json]",
     "Print the path of a session log",
     "  --last              the newest log (the default)\n"
     "  DATE                every log of that day (YYYY-MM-DD), oldest first\n"
     "  -a, --all           look in every repository, not only this one\n"
     "  --regenerate ID     render closed session ID's log again, corrections included,\n"
     "                      into a new file next to the old one; print its path\n" HELP_C
     "  --json              print {\"v\":1,\"ok\":true,\"logs\":[PATH...]} (--regenerate:\n"
     "                      the reply, with \"log\")\n"
     "\nPrints absolute paths, one per line; exits 1 when there is no such log. A\n"
     "day's logs are those of the sessions started that day (local time), among\n"
     "the 1000 most recent closed sessions. For example: $EDITOR \"$(stint log)\".\n"},
    {"watch", cmd_watch_run, "hC:", opts_watch,
     "stint watch [PATH | -C PATH] [--json] | --list [--json]",
     "Start sessions automatically on activity in a repository",
     "  PATH                the repository containing PATH (default: the current one)\n"
     "  --list              list the watched repositories and their state\n" HELP_JSON
     "\nWhile no session is open there, a change to the repository's files or a git\n"
     "operation starts one, dated from that first change. The repository stays\n"
     "watched (across restarts) until 'stint unwatch'. With [time] auto_start = true,\n"
     "every repository with a session in the last 30 days is watched too.\n"},
    {"unwatch", cmd_watch_run, "hC:", opts_basic, "stint unwatch [PATH | -C PATH] [--json]",
     "Stop watching a repository for activity",
     "  PATH                the repository containing PATH (default: the current one);\n"
     "                      it may have been deleted since\n" HELP_JSON},
    {"ping", cmd_query_ping, "h", opts_basic, "stint ping [--json]",
     "Show the daemon's version, pid and uptime (starting it if needed)", HELP_JSON},
    {"notify", cmd_notify_run, "h", opts_basic, "stint notify test|status [--json]",
     "Send a test notification, or say where notifications go",
     "  test                send one; exits 1 naming the cause when it cannot be shown\n"
     "  status              whether a notification server is reachable, and why not\n"
     "  --json              print {\"v\":1,\"ok\":true,\"notify\":\"ok|unavailable|disabled\",...}\n"},
    {"config", cmd_config_run, "h", opts_help, "stint config check",
     "Check stintd's configuration file",
     "Runs 'stintd --check-config' and exits with its status (0: the file is valid).\n"},
    {"doctor", cmd_doctor_run, "h", opts_doctor, "stint doctor [--restore]",
     "Check the store and its backups; restore a damaged store",
     "  --restore           put the newest good backup in place of a damaged store,\n"
     "                      which is kept aside as stint.db.damaged-DATE (stintd\n"
     "                      must not be running: stop it first)\n"
     "\nRuns 'stintd --check-db' and exits with its status: 0 when the store is\n"
     "healthy, 1 when something is wrong, each problem named. Lists the backups\n"
     "stintd keeps (daily and at each clean exit, the newest 3) and whether each\n"
     "is good. Needs no running stintd.\n"},
    {"help", NULL, "h", opts_help, "stint help [COMMAND]", "Show help for stint or a command", ""},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct cli_command *commands_lookup(const char *name)
{
	for (const struct cli_command *c = commands_table; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* The short letter getopt returns for opt, when shortopts lists it. */
static char commands_short(const char *shortopts, const struct option *opt)
{
	if (opt->flag || opt->val <= 0 || opt->val > 127)
		return 0;
	for (const char *p = shortopts; *p; p++)
		if (*p == opt->val)
			return (char)opt->val;
	return 0;
}

void commands_dump(FILE *out)
{
	/* The options before a command: main.c parses them itself. */
	fputs("\t\t-C\targ\n\t--version\t-V\t\n\t--help\t-h\t\n", out);
	for (const struct cli_command *c = commands_table; c->name; c++) {
		/* -C is the one short option without a long form. */
		if (strchr(c->shortopts, 'C'))
			fprintf(out, "%s\t\t-C\targ\n", c->name);
		for (const struct option *o = c->longopts; o->name; o++) {
			char s[3] = {'-', commands_short(c->shortopts, o), '\0'};

			fprintf(out, "%s\t--%s\t%s\t%s\n", c->name, o->name, s[1] ? s : "",
				o->has_arg == no_argument ? "" : "arg");
		}
	}
}
