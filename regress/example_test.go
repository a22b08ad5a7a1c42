package regress_test

import (
	"context"
	"fmt"
	"os"

	"github.com/kqlrules/kqlrules/regress"
)

// Run tests a rule against its own test events (ftp.test.ndjson beside
// ftp.toml, each event's _expect saying "alert" or "none"): the third event
// expects an alert the query does not give, so the rule fails.
func ExampleRun() {
	res, err := regress.Run(context.Background(), regress.Config{
		Name:   "kqlrules test",
		Rules:  []string{"testdata/example"},
		Stdout: os.Stdout,
		Stderr: os.Stdout,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d of %d rules failed\n", res.Failed, res.Rules)
	// Output:
	// testdata/example/ftp.toml:12: rule FTP (ftp-1): 1 of 3 test events failed (ftp.test.ndjson)
	//   testdata/example/ftp.test.ndjson:3: expected an alert, got none
	// rules: 1 replayed, 0 skipped, 0 in error
	// test events: 1 rules with 3 events, 1 failed
	// 1 of 1 rules failed
	// 1 of 1 rules failed
}
