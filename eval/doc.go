// Package eval compiles a parsed KQL query ([ast.Expr]) into a [Program]
// that tells, for one event at a time, whether Elasticsearch would return
// the event for that query, given the field types of the index (a
// [mapping.Schema], every ECS field by default).
//
// [Compile] does all the work once. It translates the KQL into the
// Elasticsearch query Kibana would send ([esdsl.FromKQL] with the schema's
// data view and the settings of [WithKibanaConfig]), then compiles that
// query with [CompileQuery], which also takes DSL directly (rule filters,
// exceptions; [CompileFilters] ANDs a query and Kibana filters as
// buildEsQuery does): Kibana's choices live in package esdsl, and
// Elasticsearch's rules for each query kind and field type here. Field
// paths are split, literals are typed from the field's mapping type, CIDRs
// are parsed into prefix sets, wildcards are compiled, and value lists on
// one field become one set lookup. [Program.Match] then allocates nothing for events decoded by
// encoding/json, and a Program is safe for concurrent use.
//
// # Events
//
// An event is a map[string]any as encoding/json produces it, or as Go code
// builds it. A field such as "source.ip" is found through flat dotted keys
// ({"source.ip": ...}), nested maps ({"source": {"ip": ...}}) and any mix
// of the two ({"source": {"geo.name": ...}}); arrays at any level fan out,
// and the field's values are all the values reached. Null and empty arrays
// count as missing. Events that are not maps implement [Event].
//
// # Semantics
//
// The field's type decides the comparison, as Elasticsearch's mapping does:
//
//   - keyword, constant_keyword, wildcard, flattened, version: exact,
//     case-sensitive string equality; '*' in an unquoted value matches any
//     run of characters over the whole value (linear time, no
//     backtracking). A string longer than the field's ignore_above (1024
//     on ECS keyword fields) is not indexed and matches nothing. A query
//     on a flattened field's root matches any of its leaves. Ranges on a
//     version field follow software version order.
//   - text, match_only_text: the value is split into lowercase word tokens
//     (the standard analyzer's UAX #29 rules); an unquoted query value
//     matches when any of its tokens is present, a quoted one when all its
//     tokens appear consecutively and in order.
//   - long, integer, short, byte, unsigned_long, double, float, half_float,
//     scaled_float: numeric; the event value may be any Go number,
//     json.Number or numeric text. Values are compared as the field
//     indexes them: integer types exactly (beyond 2^53 too), truncating a
//     fractional event value as coercion does; float and half_float at
//     their precision; scaled_float as Math.round(value*scaling_factor).
//     A fractional query value on an integer field matches nothing, and
//     an event value out of the type's range matches nothing.
//   - ip: address equality or CIDR membership; an IPv4-mapped IPv6 event
//     value is the IPv4 address; ranges compare addresses in
//     Elasticsearch's order (IPv4 as IPv4-mapped IPv6).
//   - boolean: true and false, and the text "true", "false" (and "" as
//     false) in events; in ranges false < true.
//   - date: text and numbers as Elasticsearch's default format
//     strict_date_optional_time||epoch_millis reads them ([ParseDate],
//     [DateOf]: "2021" is a year, 1609459200000 epoch milliseconds),
//     compared at millisecond precision in UTC. "f:v" is Kibana's range
//     gte v, lte v, and each bound rounds as Elasticsearch rounds it: an
//     "lte" or "gt" bound fills the missing fields with month and day 1,
//     23:59:59.999, so f:2021-03-04 is the whole day but f:2021-03 only
//     March 1st; a rounded date-math expression ("now/d") is its whole
//     period; "+1M" clamps to the month's last day as java.time does.
//     Date math ("now-1d/d", "2021-01-01||+1M") uses the clock set with
//     [WithClock], read at match time.
//   - Fields the schema does not know are typed from the query literal and
//     the event value: an IP or CIDR literal against an IP-looking value
//     compares as IPs, a numeric literal against a number compares as
//     numbers, anything else compares as exact strings.
//
// "f:*" holds when Elasticsearch indexed a value of f: not "" on a
// numeric, ip or date field, not a value the field cannot parse, not a
// keyword over ignore_above, not an object whose leaves are all null, never
// a nested field outside "path:{...}" ([Rejects] tells which
// events Elasticsearch would refuse). "not" is plain negation, so
// "not f:x" matches events without f. A value list on an array field may be
// satisfied by different elements ("tags:(a and b)"), as Kibana distributes
// the list over the field; a nested query "items:{ ... }" must hold within
// one element. Free text (a lenient multi_match, or query_string for a
// wildcard) tries every field of the event, skipping the fields the value
// does not fit. A wildcard field name ("file.hash.*:x") is one clause per
// schema field it designates, as Kibana builds it, and not lenient: a
// value one of those fields refuses is an error, as in Elasticsearch
// (kibana#149920). A wildcard value on a field that is not exactly
// keyword (a wildcard or text field) is a query_string: its
// whitespace-separated pieces are separate clauses, OR'ed together.
//
// What Elasticsearch would refuse is a [*CompileError] pointing at the
// literal: a non-IP value or a bad CIDR on an ip field, a wildcard on an ip,
// numeric, boolean or date field, text that is not a number on a numeric
// field, text that is not a date on a date field, an unquoted null (Kibana
// sends a null value, which Elasticsearch refuses). Kibana's own refusals
// while translating (a field of a nested object outside its nested group,
// get_full_field_name_node.ts) are a CompileError on the field name.
package eval
