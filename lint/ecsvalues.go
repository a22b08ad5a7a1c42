package lint

// ecsAllowed holds the values ECS defines for its categorisation fields
// (ECS 9.x, "ECS Categorization Fields": event.kind, event.category,
// event.type, event.outcome). The values are lowercase keywords, and
// keyword matching is case-sensitive, so a value that equals one of these
// only when case is ignored ("Network") matches no ECS event.
var ecsAllowed = map[string][]string{
	"event.kind": {
		"alert", "asset", "enrichment", "event", "metric", "state", "pipeline_error", "signal",
	},
	"event.category": {
		"api", "authentication", "configuration", "database", "driver", "email", "file", "host",
		"iam", "intrusion_detection", "library", "malware", "network", "package", "process",
		"registry", "session", "threat", "vulnerability", "web",
	},
	"event.type": {
		"access", "admin", "allowed", "change", "connection", "creation", "deletion", "denied",
		"device", "end", "error", "group", "indicator", "info", "installation", "protocol",
		"start", "user",
	},
	"event.outcome": {
		"failure", "success", "unknown",
	},
}
