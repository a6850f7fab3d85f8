# syntax=docker/dockerfile:1
FROM golang:1.22 AS base
WORKDIR /src
COPY . .

FROM base AS build
RUN go build -o /out/app ./cmd/app

FROM base AS test
RUN go test ./...

FROM base AS lint
RUN go vet ./...

FROM gcr.io/distroless/static-debian12 AS release
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
