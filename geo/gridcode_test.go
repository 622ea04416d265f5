package geo

import "testing"

func TestParseAreaGridCode(t *testing.T) {
	str := func(s string) *string { return &s }
	testAreas(t, []areaCase{
		{"a district code is accepted", AreaSpec{GridCode: str("150203")}, AreaGrid, "", ""},
		{"a grid code of 15 digits is accepted", AreaSpec{GridCode: str("150203001002003")}, AreaGrid, "", ""},
		{"an empty grid code is a bad area", AreaSpec{GridCode: str("")}, 0, ProblemArea, "gridCode must have 6, 9, 12 or 15 digits, not 0"},
		{"a grid code of 7 digits is a bad area", AreaSpec{GridCode: str("1502031")}, 0, ProblemArea, "gridCode must have 6, 9, 12 or 15 digits, not 7"},
		{"a grid code with a letter is a bad area", AreaSpec{GridCode: str("15020A")}, 0, ProblemArea, "gridCode must be ASCII digits only"},
		{"a grid code of full-width digits is a bad area", AreaSpec{GridCode: str("１５０２０３")}, 0, ProblemArea, "gridCode must be ASCII digits only"},
	})
}
