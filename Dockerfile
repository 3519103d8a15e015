# syntax=docker/dockerfile:1.19
#
# Jardam container image: one static binary on a distroless base (no shell, no
# package manager, no compilers), running as an unprivileged user.
#
# At run time it needs DATABASE_URL (the application role), JARDAM_KEYS_DIR (a
# mounted directory with jwt.key, audit.key and master.key) and, behind a
# proxy, JARDAM_TRUSTED_PROXIES. Migrations are a separate run of the same
# image: `migrate` with MIGRATION_DATABASE_URL.
# cmd/jardam/dockerfile_test.go checks the shape of this file.

FROM golang:1.27-bookworm AS build
RUN apt-get update \
	&& apt-get install -y --no-install-recommends make nodejs npm \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
	GOTOOLCHAIN=go1.27.3 go mod download
COPY --exclude=.git --exclude=.data --exclude=bin \
	--exclude=frontend/node_modules --exclude=frontend/dist \
	. .
RUN --mount=type=cache,target=/go/pkg/mod \
	--mount=type=cache,target=/root/.cache/go-build \
	make build

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/jardam /jardam
USER 65532:65532
EXPOSE 8080
ENV JARDAM_LISTEN=0.0.0.0:8080
ENTRYPOINT ["/jardam"]
CMD ["serve"]
