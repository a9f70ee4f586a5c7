package civitaitest

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"strconv"
	"strings"
)

// imageBase is the prefix of image URLs: the storage host stands in for
// image.civitai.com so that previews can be fetched on loopback.
func (s *Server) imageBase() string { return s.StorageURL + "/image" }

// serveImage answers /image/<key>/<uuid>/<size>/<id>.<ext> with a small
// JPEG whose colour depends on the id (like the CDN, any size segment is
// accepted; videos with anim=false get a still frame).
func serveImage(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/image/"), "/")
	if len(parts) != 4 || parts[0] != imageAccount {
		http.NotFound(w, r)
		return
	}
	name := parts[3]
	id, err := strconv.ParseInt(strings.TrimSuffix(name, name[strings.LastIndexByte(name, '.'):]), 10, 64)
	if err != nil || strings.LastIndexByte(name, '.') < 0 {
		http.NotFound(w, r)
		return
	}
	img := image.NewRGBA(image.Rect(0, 0, 48, 72))
	c := color.RGBA{R: uint8(id), G: uint8(id >> 8), B: uint8(id >> 16), A: 255}
	for y := 0; y < 72; y++ {
		for x := 0; x < 48; x++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(b.Bytes())
}
