// Package schemas finds, in a checkout of Elastic's detection-rules
// repository, the schemas that detection-rules validates each KQL rule's
// query against ([Repo], [Repo.Targets]): the ECS release of each stack
// version from the rule's min_stack_version, the integration packages and
// data streams its query names (integration-schemas.json.gz, the newest
// package version compatible with the stack), the non-ECS fields of its
// index patterns, and the Beats fields of Beats indices — as
// detection_rules/rule_validators.py builds its validation plan.
//
// Each target's fields come as a mapping.Schema, typed as detection-rules'
// kql package types them (a type kqlrules does not model is a keyword,
// which accepts any value). The built-in table of every ECS field, the
// default when there is no checkout, is mapping.ECS.
package schemas
