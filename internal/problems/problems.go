// Package problems gives geo's input problems the API's stable error codes, once for
// every transport (GraphQL, the OGC API).
package problems

import (
	"gridhub/geo"
	"gridhub/model"
)

// Codes are the error codes of geo's input problems.
var Codes = map[geo.Problem]string{
	geo.ProblemArea:       model.CodeBadArea,
	geo.ProblemGeometry:   model.CodeBadGeometry,
	geo.ProblemComplexity: model.CodeTooComplex,
	geo.ProblemRange:      model.CodeOutOfRange,
	geo.ProblemInput:      model.CodeBadInput,
}
