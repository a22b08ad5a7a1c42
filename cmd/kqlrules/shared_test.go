package main

import "github.com/kqlrules/kqlrules/internal/corpus"

func sharedDir() string { return corpus.Dir() }
