package checks

import (
	"sort"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

func sortByID(cs []*lint.Check) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
}
