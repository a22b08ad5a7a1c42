package kql_test

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/internal/asttest"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
)

// The FTP rule's queries, as its documentation page gives them.
const (
	ftpV1      = `network.transport: tcp and destination.port: (20 or 21) and ( network.direction: outbound or ( source.ip: (10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip: (10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) ) )`
	ftpV3      = `network.transport:tcp and destination.port:(20 or 21) and source.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip:(10.0.0.0/8 or 127.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 or "::1")`
	ftpV4      = `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip:(10.0.0.0/8 or 127.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 or "::1")`
	ftpCurrent = `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:( 10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 ) and not destination.ip:( 10.0.0.0/8 or 127.0.0.0/8 or 169.254.0.0/16 or 172.16.0.0/12 or 192.168.0.0/16 or 224.0.0.0/4 or "::1" or "FE80::/10" or "FF00::/8" )`
	// ftpCurrentTOML is the current query as Elastic's rule file writes it:
	// the same query, formatted on several lines.
	ftpCurrentTOML = "event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and\n  source.ip:(\n    10.0.0.0/8 or\n    172.16.0.0/12 or\n    192.168.0.0/16\n  ) and\n  not destination.ip:(\n    10.0.0.0/8 or\n    127.0.0.0/8 or\n    169.254.0.0/16 or\n    172.16.0.0/12 or\n    192.168.0.0/16 or\n    224.0.0.0/4 or\n    \"::1\" or\n    \"FE80::/10\" or\n    \"FF00::/8\"\n  )\n"
)

func mustParse(t testing.TB, q string) ast.Expr {
	t.Helper()
	x, err := kql.Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	return x
}

func TestFTPQueries(t *testing.T) {
	v1, v3, v4, cur := mustParse(t, ftpV1), mustParse(t, ftpV3), mustParse(t, ftpV4), mustParse(t, ftpCurrent)
	if !ast.Equal(cur, mustParse(t, ftpCurrentTOML)) {
		t.Errorf("the rule file's multi-line query differs from the documented one:\n%s", asttest.Diff(cur, mustParse(t, ftpCurrentTOML)))
	}
	if cur.String() != mustParse(t, ftpCurrentTOML).String() {
		t.Errorf("formatting-only pair with different canonical forms")
	}
	for _, pair := range [][2]ast.Expr{{v1, v3}, {v3, v4}, {v4, cur}} {
		if ast.Equal(pair[0], pair[1]) {
			t.Errorf("versions that changed the query compare equal: %s", pair[0])
		}
	}
	// v1's grouping: the direction test is or-ed with the address tests.
	want := `network.transport:tcp and destination.port:(20 or 21) and (network.direction:outbound or source.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16))`
	if got := v1.String(); got != want {
		t.Errorf("v1 canonical:\n got %s\nwant %s", got, want)
	}
}

// TestFTPSeed reads the rule's documentation page and Elastic's rule file
// from ../shared/seed: every query they hold parses, and the rule file's
// query is the documented current query, formatted differently.
func TestFTPSeed(t *testing.T) {
	page, err := os.ReadFile(corpus.Path(t, "seed/ftp_rule.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(page)
	var queries []string
	if m := regexp.MustCompile(`(?m)^Rule query\nedit(.*)$`).FindStringSubmatch(text); m != nil {
		queries = append(queries, m[1])
	}
	for _, m := range regexp.MustCompile(`(?m)changed from:\n(.*)$`).FindAllStringSubmatch(text, -1) {
		queries = append(queries, m[1])
	}
	if len(queries) != 4 {
		t.Fatalf("found %d queries in the page, want 4 (the current one and three 'changed from')", len(queries))
	}
	for i, want := range []string{ftpCurrent, ftpV4, ftpV3, ftpV1} {
		if queries[i] != want {
			t.Errorf("query %d of the page:\n got %s\nwant %s", i, queries[i], want)
		}
		mustParse(t, queries[i])
	}
	var file struct{ Rule struct{ Query string } }
	if _, err := toml.DecodeFile(corpus.Path(t, "seed/ftp_rule_detection_rules.toml"), &file); err != nil {
		t.Fatal(err)
	}
	if file.Rule.Query != ftpCurrentTOML {
		t.Errorf("the rule file's query changed:\n%q", file.Rule.Query)
	}
}

// TestElasticRules parses every KQL query of Elastic's published detection
// rules: all must parse (Kibana runs them), print canonically, and read
// back to the same tree.
func TestElasticRules(t *testing.T) {
	f, err := os.Open(corpus.Path(t, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	n := 0
	for sc.Scan() {
		var r struct{ File, Query string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		x, err := kql.Parse(r.Query)
		if err != nil {
			t.Errorf("%s: %v\n%s", r.File, err, err.(*kql.Error).Snippet())
			continue
		}
		canon := x.String()
		y, err := kql.Parse(canon)
		if err != nil {
			t.Errorf("%s: canonical form does not parse: %v\n%s", r.File, err, canon)
			continue
		}
		if !ast.Equal(x, y) {
			t.Errorf("%s: round trip changed the tree:\n%s", r.File, asttest.Diff(x, y))
		}
		if y.String() != canon {
			t.Errorf("%s: canonical form is not stable:\n%s\n%s", r.File, canon, y.String())
		}
		if strings.TrimSpace(r.Query) == "" {
			t.Errorf("%s: empty query", r.File)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 792 {
		t.Errorf("read %d rules, want 792", n)
	}
	t.Logf("%d queries of Elastic's detection rules parse and round-trip", n)
}
