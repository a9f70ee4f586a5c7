package config

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/civit/civit/internal/layout"
)

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

func checkBool(s string) error {
	if _, err := strconv.ParseBool(s); err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	return nil
}

func checkPositive(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("%q is not a positive whole number", s)
	}
	return nil
}

func checkDuration(s string) error {
	if _, err := time.ParseDuration(s); err != nil {
		return fmt.Errorf("%q is not a duration such as 5m or 30s", s)
	}
	return nil
}

func checkSubdir(s string) error {
	_, err := layout.ParseSubdir(s)
	return err
}

func checkLayout(s string) error {
	_, err := layout.Parse(s)
	return err
}
