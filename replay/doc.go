// Package replay runs detection rules as Kibana's detection engine would
// have run them over recorded events: the schedule of executions and their
// look-back windows, the index patterns in scope, the rule's filters and
// exception lists, an executor per rule type (query, EQL event query, threshold, new terms,
// indicator match, alert suppression), the alert documents, and a report
// whose counts add up.
//
// [Run] replays one rule; [Replay] replays many rules over one stream of
// events for a caller that matches the queries itself (package ruleset).
// The rule as written (its model, decoding, validation and history) is
// package rules.
//
// # Resumable state
//
// A job that replays each new batch of logs (every hour, say) saves what
// the replay remembers with [Replay.FinishState] and restores it in the
// next run with [Replay.Restore] (kqlrules run --state FILE). The
// executions at or after a rule's latest event time are left to the next
// run, whose events come after, with the matches they would see; so two
// runs over the events before and after a time give the alerts of one run
// over all of them. A match earlier than the restored schedule's next
// window is never searched, as a document indexed after the executions
// covering its time is not in Kibana (Report.MatchesBeforeState).
//
// The state is versioned JSON ([State]; gzip'd when its file name ends
// in .gz): {"kind": "kqlrules replay state", "version": 1, "order":
// "time" or "arrival", "rules": [...]}, one entry per rule keyed by its
// rule_id, with a fingerprint of what makes the state valid (type,
// language, query, index patterns, interval, look-back, max_signals,
// timestamp override, filters, the type's settings; not its exception
// items, which change between runs and only decide which matches count), its
// schedule (the executions' alignment, the next execution, the last run,
// the latest event time seen), the identities of the events it alerted on,
// the matches waiting for an execution (their event's text and what the
// executor read of it) and what its executor remembers: threshold signal
// history, new terms first-seen times, suppression's counted groups and
// the alerts it holds over a duration (a sequence's shell alerts with
// their building blocks), EQL's indexing order. Each rule
// type saves and restores its executor's part through one method pair
// (saveState, restoreState). A state that is not JSON, not a kqlrules
// replay state, of another version or order, or whose fingerprint
// differs from the rule's is a [*StateError] naming the file; rules added
// since start fresh and rules removed since are dropped ([Resumed]).
package replay
