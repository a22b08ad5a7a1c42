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
package replay
