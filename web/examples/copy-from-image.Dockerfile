# syntax=docker/dockerfile:1
# COPY --from can name any image, not only a stage: BuildKit pulls it and copies the
# files out, without running it and without taking its layers.
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12
COPY --from=docker.io/library/busybox:latest /bin/busybox /busybox/sh
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
