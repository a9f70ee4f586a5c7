//go:build linux || openbsd

package library

import "syscall"

func ctimeOf(st *syscall.Stat_t) syscall.Timespec { return st.Ctim }
