// Package mapping is the one owner of field types: the vocabulary of
// Elasticsearch mapping types ([Type]), the types of a set of fields
// ([Schema]) and their mapping parameters ([Mapping]), Kibana's data view
// of them ([DataView]), and the rules that tie these together — which
// field is a multi-field of which parent ([Schema.MultiFieldParent]) and
// which nested object holds a field ([Schema.NestedPath]).
//
// It reads each source of field types: the ECS table format
// ([LoadECS]), the JSON of Elasticsearch's GET <index>/_mapping
// ([ReadMapping], [LoadMapping]) and Kibana's field list ([LoadDataView]).
// [ECS] is the built-in table: every field of the Elastic Common Schema,
// generated from ECS's ecs_flat.yml (go generate ./mapping). It is the
// default of every command and of eval.Compile.
//
// The package sits at the ground floor: it imports nothing of kqlrules,
// and esdsl (the translation to the Query DSL), eval (matching), lint and
// schemas read field types through it.
package mapping
