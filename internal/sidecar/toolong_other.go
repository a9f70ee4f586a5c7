//go:build !windows

package sidecar

func nameTooLongOS(error) bool { return false }
