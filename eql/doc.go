// Package eql parses EQL, Elastic's Event Query Language, as Elasticsearch
// parses it (x-pack/plugin/eql: EqlBase.g4, LogicalPlanBuilder,
// ExpressionBuilder), into a syntax tree with positions ([Query],
// [Expr]), prints it canonically (String), and lowers an event query to
// the Query DSL Elasticsearch's QueryTranslator builds for it ([Lower]):
// terms, wildcards, ranges, exists, bool, and for what Elasticsearch runs
// as a Painless script (functions over fields, arithmetic, field-to-field
// comparisons) an esdsl script query that package eval evaluates
// natively. [Search] runs an event query, a sequence or a sample over
// events as Elasticsearch's _eql/search does. Sequences run in event time
// through a [Matcher] compiled by [CompileSequence]; samples through
// [SequencePlan.Samples].
//
// The grammar is written for participle over a hand-written lexer that
// follows EqlBaseLexer; an invalid query is an [*Error] with
// Elasticsearch's message at its line and column.
package eql
