// Package winfs holds what Windows' file system needs that the os package
// does not offer: the \\?\ form of a long path for direct CreateFile calls,
// and recognising "another program has this file open". Elsewhere its
// functions do nothing.
package winfs
