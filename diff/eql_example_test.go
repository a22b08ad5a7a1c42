package diff_test

import (
	"fmt"

	"github.com/kqlrules/kqlrules/diff"
)

func ExampleEQLQueries() {
	c, err := diff.EQLQueries(`process where process.name == "bash" and user.id == "0"`,
		`process where process.name == "bash" and user.name == "root"`)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Formatting, c.Parts, c.FieldsAdded, c.FieldsRemoved)
	// Output:
	// false [condition: - user.id == "0" condition: + user.name == "root"] [user.name] [user.id]
}
