package ast

import "strings"

// Value returns the text Kibana sends to Elasticsearch for the literal:
// the unescaped text of a string (quoted or not), the pieces of a wildcard
// joined by '*', and "true", "false" or "null" for the typed literals.
func (l *Literal) Value() string {
	switch l.Kind {
	case Bool:
		if l.Bool {
			return "true"
		}
		return "false"
	case Null:
		return "null"
	case Wildcard:
		return strings.Join(l.Parts, "*")
	}
	return l.Text
}
