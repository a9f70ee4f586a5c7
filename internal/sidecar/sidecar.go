// Package sidecar writes and reads the metadata files other tools keep
// beside a model file, so models civit downloads show up with their
// metadata in the UIs and extensions people already use, and models those
// tools downloaded are recognised by civit.
//
// For a model /x/loras/foo.safetensors civit writes:
//
//   - foo.civitai.info: the model-version JSON of the CivitAI API, as Civitai
//     Helper (butaixianran/Stable-Diffusion-Webui-Civitai-Helper) and
//     sd-civitai-browser-plus keep it;
//   - foo.json: the AUTOMATIC1111/Forge extra-networks user metadata
//     (description, "sd version", "activation text", ...) plus the modelId
//     and sha256 keys sd-civitai-browser-plus adds;
//   - foo.preview.<png|jpeg|webp|gif>: the preview A1111 and Forge look for
//     (modules/ui_extra_networks.py find_preview), which ComfyUI model
//     managers (LoRA Manager, Civicomfy, ComfyUI-Model-Manager) also read.
//
// ReadAny reads those and the sidecars of StabilityMatrix (.cm-info.json),
// ComfyUI LoRA Manager (.metadata.json), Civicomfy (.cminfo.json) and plain
// .sha256 files. Every write is atomic (temporary file in the same folder,
// fsync, rename) and never replaces an existing file unless forced.
package sidecar

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/civit/civit/internal/stale"
)

// Sidecar file suffixes, appended to the model path without its extension.
const (
	SuffixInfo         = ".civitai.info"  // Civitai Helper, Browser+
	SuffixA1111        = ".json"          // A1111/Forge user metadata, Browser+
	SuffixStabilityMtx = ".cm-info.json"  // StabilityMatrix ConnectedModelInfo.FileExtension
	SuffixLoraManager  = ".metadata.json" // ComfyUI LoRA Manager sidecar_paths.METADATA_SUFFIX
	SuffixCivicomfy    = ".cminfo.json"   // Civicomfy config.METADATA_SUFFIX
	SuffixSHA256       = ".sha256"        // sha256sum output or a bare hash
)

// PreviewExts are the preview extensions A1111's extra networks look for
// (modules/ui_extra_networks.py default_allowed_preview_extensions), in
// its search order.
func PreviewExts() []string { return []string{"png", "jpg", "jpeg", "webp", "gif"} }

// fileMode is the mode of every file written here.
const fileMode = 0o644

// stem returns the model path without its extension, as Python's
// os.path.splitext does for the tools this package mirrors.
func stem(model string) string {
	return strings.TrimSuffix(model, filepath.Ext(model))
}

// InfoPath returns the Civitai Helper info path: /x/foo.safetensors ->
// /x/foo.civitai.info.
func InfoPath(model string) string { return stem(model) + SuffixInfo }

// JSONPath returns the A1111 user-metadata path: /x/foo.safetensors ->
// /x/foo.json.
func JSONPath(model string) string { return stem(model) + SuffixA1111 }

// PreviewPath returns the preview path for an image extension (with or
// without the dot, any case): /x/foo.safetensors, "PNG" ->
// /x/foo.preview.png. A1111 also finds /x/foo.png, but ".preview." keeps
// the preview apart from images a user saved beside the model.
func PreviewPath(model, ext string) string {
	ext = strings.ToLower(strings.TrimPrefix(ext, "."))
	return stem(model) + ".preview." + ext
}

// writeAtomic writes a file through a temporary file in the same folder:
// fill writes the content, the file is synced, chmod'ed to 0644 and moved
// into place, then the folder is synced. Without force an existing path is
// kept and written is false; the no-clobber check is atomic where the file
// system supports hard links. No temporary file is left behind on error.
//
// A name longer than the file system allows fails with ErrNameTooLong.
func writeAtomic(path string, force bool, fill func(io.Writer) error) (written bool, err error) {
	defer func() {
		if nameTooLong(err) {
			err = &NameTooLongError{Name: filepath.Base(path)}
		}
	}()
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return false, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("check %s: %w", path, err)
		}
	}
	dir := filepath.Dir(path)
	// Not named after path: a model name near the 255-byte limit would
	// make a temporary name that the file system refuses.
	stale.SweepOnce(dir) // what a killed civit left there
	f, err := os.CreateTemp(dir, ".civit-*.tmp")
	if err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := fill(f); err != nil {
		return false, err
	}
	if err := f.Chmod(fileMode); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if force {
		if err := os.Rename(tmp, path); err != nil {
			return false, fmt.Errorf("write %s: %w", path, err)
		}
	} else {
		kept, err := linkNoClobber(tmp, path)
		if err != nil {
			return false, fmt.Errorf("write %s: %w", path, err)
		}
		if kept {
			os.Remove(tmp)
			return false, nil
		}
	}
	syncDir(dir)
	return true, nil
}

// linkNoClobber moves tmp to path unless path exists (kept is then true).
// A hard link makes the check and the move one atomic step; file systems
// without hard links fall back to check-then-rename.
func linkNoClobber(tmp, path string) (kept bool, err error) {
	err = os.Link(tmp, path)
	switch {
	case err == nil:
		os.Remove(tmp) // the content now lives at path; a stray link is only clutter
		return false, nil
	case errors.Is(err, fs.ErrExist):
		return true, nil
	}
	if _, err := os.Lstat(path); err == nil {
		return true, nil
	}
	return false, os.Rename(tmp, path)
}

// syncDir flushes a folder's entries so a rename survives a crash. It is
// best effort: some systems (Windows) cannot open a folder for syncing.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
