package api

import (
	"encoding/json"
	"math"
	"strings"
)

// File is one downloadable file of a model version.
type File struct {
	ID                int64        `json:"id"`
	Name              string       `json:"name"` // server-chosen download file name; not sanitised
	SizeKB            float64      `json:"sizeKB"`
	Type              string       `json:"type"` // ModelFileType: Model, Pruned Model, VAE, Training Data, ...
	Metadata          FileMetadata `json:"metadata"`
	PickleScanResult  string       `json:"pickleScanResult,omitempty"`
	PickleScanMessage string       `json:"pickleScanMessage,omitempty"`
	VirusScanResult   string       `json:"virusScanResult,omitempty"`
	VirusScanMessage  string       `json:"virusScanMessage,omitempty"`
	ScannedAt         Time         `json:"scannedAt"`
	Hashes            Hashes       `json:"hashes"`
	Primary           FlexBool     `json:"primary"`
	DownloadURL       string       `json:"downloadUrl,omitempty"`
}

// SizeBytes returns the size in bytes, round(SizeKB*1024).
func (f *File) SizeBytes() int64 {
	if f == nil || f.SizeKB <= 0 || math.IsNaN(f.SizeKB) || f.SizeKB*1024 >= math.MaxInt64 {
		return 0
	}
	return int64(math.Round(f.SizeKB * 1024))
}

// FileMetadata describes a file's variant. JSON null values are "".
type FileMetadata struct {
	Format    string `json:"format,omitempty"`    // SafeTensor, PickleTensor, GGUF, Diffusers, Core ML, ONNX, Other
	Size      string `json:"size,omitempty"`      // full, pruned
	FP        string `json:"fp,omitempty"`        // fp16, fp32, bf16, fp8, nf4, ...
	QuantType string `json:"quantType,omitempty"` // GGUF quantisation, e.g. Q8_0
}

// UnmarshalJSON decodes leniently: null, numbers and missing keys are "".
func (m *FileMetadata) UnmarshalJSON(b []byte) error {
	*m = FileMetadata{}
	var raw map[string]any
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	str := func(k string) string { s, _ := raw[k].(string); return s }
	*m = FileMetadata{Format: str("format"), Size: str("size"), FP: str("fp"), QuantType: str("quantType")}
	return nil
}

// Hashes maps a hash kind, as published (SHA256, AutoV1, AutoV2, AutoV3,
// CRC32, BLAKE3), to its hex digest. Non-string and empty values are
// dropped when decoding.
type Hashes map[string]string

// UnmarshalJSON keeps only non-empty string values.
func (h *Hashes) UnmarshalJSON(b []byte) error {
	*h = nil
	var raw map[string]any
	if json.Unmarshal(b, &raw) != nil || raw == nil {
		return nil
	}
	out := make(Hashes, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			out[k] = strings.TrimSpace(s)
		}
	}
	*h = out
	return nil
}

// Get returns the digest of the given kind, matched case-insensitively,
// upper-cased; "" when absent.
func (h Hashes) Get(kind string) string {
	if v, ok := h[kind]; ok {
		return strings.ToUpper(v)
	}
	for k, v := range h {
		if strings.EqualFold(k, kind) {
			return strings.ToUpper(v)
		}
	}
	return ""
}

// SHA256 returns the upper-case SHA-256 digest, or "".
func (h Hashes) SHA256() string { return h.Get("SHA256") }

// BLAKE3 returns the upper-case BLAKE3 digest, or "".
func (h Hashes) BLAKE3() string { return h.Get("BLAKE3") }
