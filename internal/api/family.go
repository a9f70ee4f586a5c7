package api

import "strings"

// Family is the architecture a CivitAI base model belongs to, for the
// places that care about compatibility rather than the exact name (UI
// folders, A1111's "sd version").
type Family string

// Families that civit distinguishes; FamilyOther is everything else.
const (
	FamilyOther  Family = ""
	FamilySD1    Family = "sd1"
	FamilySD2    Family = "sd2"
	FamilySD3    Family = "sd3"
	FamilySDXL   Family = "sdxl" // also Pony (V6), Illustrious, NoobAI
	FamilyFlux1  Family = "flux1"
	FamilyFlux2  Family = "flux2"
	FamilyZImage Family = "zimage"
	FamilyQwen   Family = "qwen"
)

// BaseModelFamily maps a CivitAI base model name (§4 of the API notes) to
// its family. Pony V7 is AuraFlow-based, so only the plain "Pony" (V6) is
// SDXL.
func BaseModelFamily(baseModel string) Family {
	b := strings.ToLower(strings.TrimSpace(baseModel))
	switch {
	case strings.HasPrefix(b, "sd 1"):
		return FamilySD1
	case strings.HasPrefix(b, "sd 2"):
		return FamilySD2
	case strings.HasPrefix(b, "sd 3"):
		return FamilySD3
	case strings.HasPrefix(b, "sdxl"), b == "pony", b == "illustrious", b == "noobai":
		return FamilySDXL
	case strings.HasPrefix(b, "flux.1"):
		return FamilyFlux1
	case strings.HasPrefix(b, "flux.2"):
		return FamilyFlux2
	case b == "zimageturbo", b == "zimagebase":
		return FamilyZImage
	case b == "qwen":
		return FamilyQwen
	}
	return FamilyOther
}
