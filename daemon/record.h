#ifndef STINTD_RECORD_H
#define STINTD_RECORD_H

/*
 * The session record's field names (docs/log-record.md), each defined once, in the order that
 * document first shows it. A name that several objects use means the same there ("text" is an
 * item's text, "at" its wall-clock stamp in ms): the comment says where it appears.
 */

/* The session. */
#define RECORD_ID	     "id"
#define RECORD_REPO	     "repo"
#define RECORD_REPO_NAME     "repo_name"
#define RECORD_LOG_DIR	     "log_dir"
#define RECORD_MAX_FILE_ROWS "max_file_rows"
#define RECORD_PLACEHOLDERS  "placeholders" /* [log] placeholders: keep, comment or drop */
#define RECORD_FOCUS	     "focus"
#define RECORD_TAGS	     "tags"
#define RECORD_BRANCH	     "branch" /* also in stats */
#define RECORD_BRANCH_END    "branch_end"
#define RECORD_HEAD	     "head"   /* also in stats */
#define RECORD_AUTHOR	     "author" /* also in commit_list items */
#define RECORD_STARTED_AT    "started_at"
#define RECORD_ENDED_AT	     "ended_at"
#define RECORD_ACTIVE_S	     "active_s"
#define RECORD_WALL_S	     "wall_s"
#define RECORD_PAUSED_S	     "paused_s"
#define RECORD_IDLE_S	     "idle_s"
#define RECORD_SUSPENDED_S   "suspended_s"
#define RECORD_SUMMARY	     "summary"
#define RECORD_NOTES	     "notes"
/* notes, todos, decisions, events */
#define RECORD_AT "at"
/* notes (note, learning, challenge), events, gaps (idle, suspend), refs (issue, pr) */
#define RECORD_KIND "kind"
/* notes, todos, decisions, their events, carried_todos, refs, todo_lines */
#define RECORD_TEXT	     "text"
#define RECORD_TODOS	     "todos"
#define RECORD_PRIORITY	     "priority"	  /* todos: high, medium, low, blocked */
#define RECORD_BLOCKED_BY    "blocked_by" /* todos */
#define RECORD_NEXT	     "next"	  /* todos: `stint todo --next` */
#define RECORD_DECISIONS     "decisions"
#define RECORD_WHY	     "why" /* decisions */
#define RECORD_EVENTS	     "events"
#define RECORD_FROM	     "from"    /* branch events, gaps */
#define RECORD_TO	     "to"      /* branch events, gaps */
#define RECORD_COMMITS	     "commits" /* pull events; stats: the session's own commits */
#define RECORD_GAPS	     "gaps"
#define RECORD_STATS	     "stats"
#define RECORD_CHECKS	     "checks"
#define RECORD_CARRIED_TODOS "carried_todos"
#define RECORD_REFS	     "refs"
#define RECORD_URL	     "url" /* refs */
#define RECORD_PREVIOUS_LOGS "previous_logs"
#define RECORD_DATE	     "date"  /* previous_logs */
#define RECORD_PATH	     "path"  /* previous_logs, stats' files and todo_lines */
#define RECORD_TITLE	     "title" /* previous_logs */
/* carried_todos: an item as the previous log wrote it, already Markdown */
#define RECORD_MARKDOWN "markdown"
/* The previous log could not be read: its path, why, whether it is gone, and whether the
 * carried todos came from the store's record instead. */
#define RECORD_PREVIOUS_MISSING "previous_missing"
#define RECORD_ERROR		"error"
#define RECORD_GONE		"gone"
#define RECORD_FROM_STORE	"from_store"

/* Events: a note event's own kind; a start's "auto" (watch, auto_start). */
#define RECORD_NOTE_KIND "note_kind"
#define RECORD_AUTO	 "auto"
/* A recover event: false when stintd stopped unexpectedly, not the machine (not in the doc). */
#define RECORD_REBOOT "reboot"

/* stats */
#define RECORD_FALLBACK	     "fallback"
#define RECORD_FILES_CHANGED "files_changed"
#define RECORD_ADDED	     "added"	/* also in files and commit_list items */
#define RECORD_REMOVED	     "removed"	/* also in files and commit_list items */
#define RECORD_FILES	     "files"	/* the Files Modified rows; commit_list items: how many */
#define RECORD_OLD_PATH	     "old_path" /* files */
#define RECORD_BINARY	     "binary"	/* files */
#define RECORD_STATUS	     "status"	/* files: A, D, M, R, T */
#define RECORD_OLD_MODE	     "old_mode" /* files: git's mode at the baseline, "100644" */
#define RECORD_NEW_MODE	     "new_mode" /* files: now */
#define RECORD_COMMIT_LIST   "commit_list"
/* commit_list items; commit events carry one of the two as well (not in the doc) */
#define RECORD_HASH	     "hash"
#define RECORD_TIME	     "time"    /* commit_list: seconds */
#define RECORD_SUBJECT	     "subject" /* commit_list */
#define RECORD_MERGE	     "merge"   /* commit_list */
#define RECORD_PATHS	     "paths"   /* commit_list */
#define RECORD_PULLED	     "pulled"
#define RECORD_PULLED_LIST   "pulled_list"
#define RECORD_TODO_LINES    "todo_lines"
#define RECORD_LINE	     "line"	     /* todo_lines */
#define RECORD_OID	     "oid"	     /* commit_list: the same as hash */
#define RECORD_HEAD_LOG	     "head_log"	     /* HEAD's reflog since the start, as events */
#define RECORD_MEASURED_FROM "measured_from" /* the tree the lines are measured from */
/* head_log items and the branch, commit and pull events made from them */
#define RECORD_REFLOG	 "reflog"    /* position in HEAD's reflog since the start */
#define RECORD_GIT_AT	 "git_at"    /* when git recorded it, ms */
#define RECORD_RECOVERED "recovered" /* the session crossed a crash or reboot */
#define RECORD_TOUCHED	 "touched"   /* {"path": wall_ms} of files seen changing */
#define RECORD_BASELINE_TREE                                                                       \
	"baseline_tree"			 /* the baseline snapshot, for todo_lines (not rendered) */
#define RECORD_STATS_ERROR "stats_error" /* the session, when stats could not be computed */
/* stop --at: when the statistics were computed (the real stop), ms; their commits are cut at
 * the corrected end, their files and lines are git's state at this moment. */
#define RECORD_STATS_AS_OF "stats_as_of"
/* false for a session outside git (absent in older records) */
#define RECORD_GIT "git"
/* Time stintd was not running: the session's down_s (part of idle_s), a gap's "down": true. */
#define RECORD_DOWN_S "down_s"
#define RECORD_DOWN   "down"
/* Work seen while paused: [{"from", "to", "seconds", "edits", "commits"}] */
#define RECORD_PAUSED_ACTIVITY "paused_activity"
#define RECORD_EDITS	       "edits"

/* commit_list items: the session's part of the commit (docs/git-statistics.md) */
#define RECORD_SESSION_ADDED   "session_added"
#define RECORD_SESSION_REMOVED "session_removed"
#define RECORD_SESSION_FILES   "session_files"

/* checks */
#define RECORD_NAME	   "name"
#define RECORD_OK	   "ok"
#define RECORD_NOT_RUN	   "not_run" /* stop --no-checks */
#define RECORD_EXIT	   "exit"
#define RECORD_SECONDS	   "seconds"
#define RECORD_OUTPUT_TAIL "output_tail"
#define RECORD_TESTS	   "tests"
#define RECORD_PASSED	   "passed"  /* tests */
#define RECORD_FAILED	   "failed"  /* tests */
#define RECORD_SKIPPED	   "skipped" /* tests */
#define RECORD_TIMED_OUT   "timed_out"

/*
 * What only the stop knows, kept in the store for `stint log --regenerate` (sessions_stop.c,
 * cmd_regenerate.c): the rest of a record is the fold of the session's events, which a
 * regeneration reads again with the corrections since. For static const char *const x[] = ...
 */
#define RECORD_STOP_KEYS                                                                           \
	{                                                                                          \
		RECORD_STATS, RECORD_STATS_ERROR, RECORD_STATS_AS_OF, RECORD_SUMMARY,              \
		    RECORD_CHECKS, RECORD_BRANCH_END, RECORD_BASELINE_TREE, RECORD_PREVIOUS_LOGS,  \
		    RECORD_CARRIED_TODOS, RECORD_PREVIOUS_MISSING, RECORD_REFS                     \
	}

#endif
