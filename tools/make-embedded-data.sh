#!/bin/sh
# Regenerates Sources/LyapData/Resources/imdb-embedded.lyds from the IMDb archive, byte-identically
# for a given zlib (level-9 compression), and prints the SHA-256 that EmbeddedData.expectedSHA256
# in Sources/LyapData/EmbeddedData.swift must hold.
# Usage: tools/make-embedded-data.sh [ARCHIVE]   (default ../shared/data/aclImdb_v1-labeled.tar.gz)
set -eu
cd "$(dirname "$0")/.."
archive="${1:-../shared/data/aclImdb_v1-labeled.tar.gz}"
out=Sources/LyapData/Resources/imdb-embedded.lyds
swift run --scratch-path .build-data -c release lyap-make-embedded "$archive" "$out"
sha=$(sha256sum "$out" | cut -d' ' -f1)
recorded=$(sed -n 's/.*expectedSHA256 = "\([0-9a-f]*\)".*/\1/p' Sources/LyapData/EmbeddedData.swift)
if [ "$sha" = "$recorded" ]; then
    echo "EmbeddedData.expectedSHA256 already matches ($sha)"
else
    echo "update EmbeddedData.expectedSHA256 in Sources/LyapData/EmbeddedData.swift to:"
    echo "    public static let expectedSHA256 = \"$sha\""
fi
