package geo

// parseGridCode checks a code's form only: the district's codes nest as
// district (6 digits), street (+3), community (+3) and grid (+3).
func parseGridCode(code string) (*Area, *Error) {
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return nil, errorf(ProblemArea, "gridCode must be ASCII digits only")
		}
	}
	switch len(code) {
	case 6, 9, 12, 15:
	default:
		return nil, errorf(ProblemArea, "gridCode must have 6, 9, 12 or 15 digits, not %d", len(code))
	}
	return &Area{Kind: AreaGrid, GridCode: code}, nil
}
