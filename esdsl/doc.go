// Package esdsl builds the Elasticsearch Query DSL that Kibana sends for a
// KQL query, and reads such DSL back.
//
// Kibana does not hand KQL to Elasticsearch: kbn-es-query's
// toElasticsearchQuery (src/platform/packages/shared/kbn-es-query/src/kuery)
// turns the tree into DSL using the data view's fields and a few settings.
// [FromKQL] does the same, node for node, with the same errors; [mapping.DataView]
// has Kibana's field shape and [Config] its settings. The result is a typed
// tree of [Query] values whose MarshalJSON writes the JSON Kibana writes,
// key for key and in the same order; each node keeps the KQL node it was
// built from, so that a match can be explained in terms of the query text.
//
// [ParseQuery] reads DSL JSON (Kibana filters' query, exceptions) into the
// same types. [BuildEsQuery] and [BuildSearchRequest] assemble the whole
// search a query rule runs, as Kibana's detection engine builds it.
//
// The package imports only ast and the standard library.
package esdsl
