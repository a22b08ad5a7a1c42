package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
)

// compileQuery parses and compiles src. Its errors are in the user's words:
// each names the line and column of the query, and the message of a
// syntax error carries the caret snippet when snippet is true.
func compileQuery(src string, snippet bool, opts ...eval.Option) (*eval.Program, error) {
	x, err := kql.Parse(src)
	if err != nil {
		var pe *kql.Error
		if errors.As(err, &pe) && snippet {
			return nil, fmt.Errorf("syntax error: %s\n%s", pe.Error(), pe.Snippet())
		}
		return nil, fmt.Errorf("syntax error: %w", err)
	}
	prog, err := eval.Compile(x, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s", describeCompileError(src, err))
	}
	return prog, nil
}

// describeCompileError writes each *eval.CompileError of err as
// "line L, col C: field: message", one a line.
func describeCompileError(src string, err error) string {
	list := eval.CompileErrors(err)
	if list == nil {
		return err.Error()
	}
	lines := make([]string, len(list))
	for i, e := range list {
		lines[i] = fmt.Sprintf("%s: %s: %s", e.Pos.Position(src), e.Field, e.Msg)
	}
	return strings.Join(lines, "\n")
}
