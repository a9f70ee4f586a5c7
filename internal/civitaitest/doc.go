// Package civitaitest is a fake CivitAI server for tests and benchmarks.
//
// No test may reach civitai.com, so everything that talks to CivitAI is
// tested against this server on loopback. It imitates the real server as
// described in the project's civitai-api.md (section numbers in comments
// refer to it) and produces JSON with the shapes of the real samples; a
// structure test compares both.
//
// A Server listens twice on 127.0.0.1: the API host (Server.URL) serves
// /api/v1/models, /api/v1/models/{id}, /api/v1/model-versions/{id},
// /api/v1/model-versions/by-hash/{hash} (GET) and /by-hash (POST),
// /api/v1/model-versions/by-hash/ids, /api/v1/model-versions/mini/{id},
// /api/v1/images, /api/v1/tags, /api/v1/creators, /api/v1/enums and
// /api/download/models/{versionId}; the download endpoint answers 307 to a
// signed URL on the storage host (Server.StorageURL), which serves file
// bodies with Range, If-Range, ETag and Last-Modified, checks the URL
// signature and expiry and never needs Authorization: like S3 it refuses a
// presigned request that also carries one (400 InvalidArgument, "Only one
// auth mechanism allowed").
//
// The catalog is generated from Options.Seed: the same seed gives the same
// JSON and the same file bytes. File bodies are never stored; they are
// computed on the fly (several GB/s) and their published hashes (SHA256,
// AutoV1, AutoV2, AutoV3, CRC32, BLAKE3) are the true hashes of those
// bytes, computed lazily, except for files marked WrongHash.
//
// # Fixtures
//
// Besides Options.Models generated models, every catalog has fixture models
// at fixed ids (see the Fixture* constants and Catalog.FixtureIDs):
//
//	101 PublicLoRA    public LORA, one version/file, downloads without a key
//	102 Checkpoint    3 versions x several files, same-name files, GGUF quants sharing a downloadUrl
//	103 AuthRequired  download 401 JSON without a valid key
//	104 EarlyAccess   newest version 403 "Early Access" (deadline) unless an EarlyAccessKeys key
//	105 Archived      files [] in the API, download 410
//	106 WrongHash     published hashes differ from the served bytes
//	107 NoDownload    usageControl Generation, download 401 "disabled downloads"
//	108 MissingHash   primary file publishes only BLAKE3 (older version: no hash)
//	109 Big           one file of Options.BigFileSize bytes (default 64 MiB)
//	110 Quirks        no creator, null downloadCount, "{Image,RentCivit}", no images key
//	111 Deleted       404 everywhere but still returned by the search index
//	112 MatureOnly    nsfwLevel 28: listed only with nsfw=true
//
// Version j (1 = newest) of fixture model M has id M*100+j and file k of
// version V has id V*100+k: FixturePublicLoRA's file is 1010101.
//
// # Behaviour worth knowing
//
//   - Valid keys are Options.APIKeys (default "test-key"), sent as
//     "Authorization: Bearer K" or ?token=K; unknown keys are anonymous.
//   - Only the mixed-auth endpoints (/models, /model-versions/{id} and
//     the by-hash POSTs) answer 405 {"error":"Method not allowed"} to a
//     wrong verb; the public ones do not check it, so a POST runs the
//     handler like a GET (§1).
//   - /models without nsfw=true lists only models whose nsfwLevel has the
//     PG bit. With query=, the cursor is a numeric offset into the search
//     hits, which include unpublished/deleted/NSFW models that are filtered
//     afterwards: pages can be short or empty while nextCursor is present.
//     Otherwise the cursor is an opaque "k1|k2|id" key of the sort.
//   - nextPage echoes every request parameter, token included. On /models
//     in page mode the metadata also carries nextCursor and a nextPage
//     built from it (the server passes no currentPage to getNextPage).
//   - StorageURL uses the host name "localhost" (Options.StorageHost) while
//     the API uses 127.0.0.1: clients see two hosts, as with civitai.com and
//     the R2 bucket, so Go's client drops Authorization on the redirect.
//     Storage requests are recorded with HasAuthorization for assertions,
//     and a presigned one that carries Authorization fails with a 400.
//   - /images returns meta only with withMeta=true, null otherwise, like
//     the current server: the flat 2023 shape, or the legacy wrapper
//     {"id":N,"meta":{...}} when the request takes the legacy path (imageId,
//     or modelId without modelVersionId) and flatMeta is absent. It applies
//     type, baseModels, period, imageId, userId, tags (image tag ids),
//     requiringMeta and withTags; nextPage is page=N+1 in page mode. Its
//     nsfw takes a legacy level (None, Soft, Mature, X, Blocked) or a
//     boolean: "true" selects the NSFW levels only (R, X, XXX, Blocked),
//     any other string is false and means the PG default, not a 400.
//   - Boolean parameters parsed by booleanString() (/models nsfw and
//     primaryFileOnly, /images withMeta, withTags, requiringMeta and
//     flatMeta) are true only for the exact string "true"; "1" is false,
//     and a repeated key is a 400 ("Required").
//   - A few generated models (never fixtures) carry shapes the real API
//     can return: modelVersions [] (all files private), a published
//     version with publishedAt null, baseModelType null, allowCommercialUse
//     as a plain string ("Rent", "None"), and LoRA file names with
//     non-ASCII characters and double quotes, sent verbatim in
//     Content-Disposition. See quirks.go.
//   - /model-versions/{id} renders files[].scannedAt in Postgres style
//     (no Z, trailing zeros dropped) and has no earlyAccessEndsAt or
//     earlyAccessConfig; by-hash renders ISO with Z and has both, and its
//     stats keep ratingCount, rating and thumbsDownCount. File metadata
//     carries "size":null and "fp":null on the list and the version views
//     but drops empty values on /models/{id}, each as its sample shows.
//   - limit=0 means the default limit on /models and /images; on /tags
//     and /creators (limit 1..200) it is a 400.
//   - /tags reports totalItems and totalPages as 0 (§2.8;
//     Options.CountPageTotals gives the exact ones): page by nextPage.
//     /creators reports them (§2.7).
//
// # Faults
//
// FaultRule injects latency, error statuses (with the body the real server
// sends: a JSON 503 of the API host comes with Retry-After: 2 unless the
// rule says otherwise), the HTML maintenance page, connection resets, drops
// after N body bytes, stalls, ignored Range and bandwidth caps. Rules can
// also be set by
// out-of-process tests through the API host: POST /__fake/faults (JSON
// array or object; durations as "250ms" or nanoseconds), GET and DELETE
// /__fake/faults, GET and DELETE /__fake/requests, GET /__fake/fixtures and
// POST /__fake/files/{id}/mutate.
package civitaitest
