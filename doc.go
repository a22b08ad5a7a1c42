// Package kqlrules runs Elastic-style detection rules written in KQL, the
// Kibana Query Language, anywhere Go runs: inside other Go detectors, in
// offline rule regression tests, and for rule authors who want to know
// whether Kibana will accept an edit and what it really changes.
//
// The data flows through one package per step, as in Kibana and
// Elasticsearch: Kibana parses the query and translates it into the Query
// DSL with the data view's field types; Elasticsearch runs the DSL.
//
//	query text ─kql.Parse─▶ ast.Expr ─esdsl.FromKQL─▶ esdsl.Query ─eval.CompileQuery─▶ *eval.Program ─Match(event)─▶ bool
//	                                           ▲                             ▲
//	                                           └─── mapping: field types ────┘
//
// The field types are a data view for the translation and mappings for
// matching; both default to every ECS field.
//
// eval.Compile is esdsl.FromKQL followed by eval.CompileQuery; [Compile]
// takes every step in one call, as does
// [github.com/kqlrules/kqlrules/rules.Rule.Program] for a rule's query.
//
//	rule file ──rules.Load──▶ *rules.Rule ──replay.Run(events)──▶ alerts and a run report
//
// The packages, in the order of the pipeline:
//
//   - [github.com/kqlrules/kqlrules/kql] parses KQL exactly as Kibana does
//     (a participle grammar after Kibana's own), with errors that point at
//     a line and column.
//   - [github.com/kqlrules/kqlrules/ast] holds the typed tree, its walker,
//     the canonical printer and the tree form Kibana builds.
//   - [github.com/kqlrules/kqlrules/mapping] owns field types: the type
//     vocabulary, schemas and mappings, Kibana's data view of them, their
//     loaders (ECS table, Elasticsearch mapping, Kibana field list), the
//     multi-field and nested rules, and every ECS field built in.
//   - [github.com/kqlrules/kqlrules/esdsl] builds the Elasticsearch Query
//     DSL Kibana sends for a KQL tree (and a rule's whole search request),
//     and reads DSL such as Kibana filters.
//   - [github.com/kqlrules/kqlrules/eval] compiles the DSL once, for the
//     fields' mappings, into a program that matches map events as
//     Elasticsearch would, without allocating.
//   - [github.com/kqlrules/kqlrules/cidr] parses addresses and CIDRs with
//     Elasticsearch's rules and keeps prefix sets.
//   - [github.com/kqlrules/kqlrules/events] reads events (NDJSON, JSON
//     arrays, directories, gzip, stdin) streamed, and matches them lazily
//     from their JSON text.
//   - [github.com/kqlrules/kqlrules/rules] loads rule files with their
//     metadata and version history and replays Kibana's detection engine
//     over event streams.
//   - [github.com/kqlrules/kqlrules/ruleset] loads a whole tree of rules
//     and matches all of them on each event in one pass, and sums up the
//     replay rule by rule (ruleset.Summarize).
//   - [github.com/kqlrules/kqlrules/diff] tells what an edit of a query or
//     a rule changes (diff.Queries; diff.Rules with the index patterns and
//     settings; diff.Versions for two versions of a rule), with minimal
//     witness events, and between git revisions (diff.GitChanges,
//     diff.ReadSide).
//   - [github.com/kqlrules/kqlrules/lint] checks queries and rule files as
//     a rule author needs: syntax, fields, values, likely mistakes.
//   - [github.com/kqlrules/kqlrules/schemas] finds the schemas Elastic's
//     detection-rules validates a rule against in a rules checkout.
//   - [github.com/kqlrules/kqlrules/regress] runs a rules repository's
//     regression tests (regress.Run, kqlrules test): each rule's own test
//     events, baselines of its alerted events compared with a replay,
//     JUnit XML, GitHub annotations and coverage.
//
// The command kqlrules (cmd/kqlrules) puts all of it on the command line;
// examples/ftp runs Elastic's FTP rule, every version of it, over a bundled
// sample of events.
package kqlrules
