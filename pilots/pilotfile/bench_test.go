package pilotfile

import (
	"os"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	src, err := os.ReadFile("../../examples/nattillsyn.hcl")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, diags := Parse("nattillsyn.hcl", src, Options{}); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}
