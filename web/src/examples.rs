//! The examples menu: canonical multi-stage conversions and files that show BuildKit's
//! behaviour, as plain Dockerfile strings.

/// One entry of the examples menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    pub title: &'static str,
    /// What the example teaches, shown as the menu entry's description.
    pub about: &'static str,
    pub text: &'static str,
    pub target: Option<&'static str>,
    pub build_args: &'static str,
}

pub const EXAMPLES: &[Example] = &[
    Example {
        title: "Go → scratch",
        about: "Build a static binary with the Go toolchain, ship only the binary.",
        text: GO_SCRATCH,
        target: None,
        build_args: "",
    },
    Example {
        title: "Node → distroless",
        about: "Install production dependencies, run on a distroless Node.js image.",
        text: NODE_DISTROLESS,
        target: None,
        build_args: "",
    },
    Example {
        title: "React → nginx",
        about: "Build static assets with Node.js, serve them with nginx.",
        text: REACT_NGINX,
        target: None,
        build_args: "",
    },
    Example {
        title: "Python slim",
        about: "Build wheels in a full image, install them into python:slim.",
        text: PYTHON_SLIM,
        target: None,
        build_args: "",
    },
    Example {
        title: "Target pruning",
        about: "With --target, BuildKit builds only the stages the target needs.",
        text: TARGET_PRUNING,
        target: Some("test"),
        build_args: "",
    },
    Example {
        title: "Parallel stages",
        about: "Independent stages build at the same time, then meet in the final stage.",
        text: PARALLEL,
        target: None,
        build_args: "",
    },
    Example {
        title: "Build args in FROM",
        about: "An ARG before the first FROM picks the base image; try GO_VERSION=1.21.",
        text: ARGS_IN_FROM,
        target: None,
        build_args: "GO_VERSION=1.22",
    },
];

const GO_SCRATCH: &str = r#"# syntax=docker/dockerfile:1
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM scratch
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
"#;

const NODE_DISTROLESS: &str = r#"# syntax=docker/dockerfile:1
FROM node:20 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM gcr.io/distroless/nodejs20-debian12
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
EXPOSE 3000
CMD ["dist/server.js"]
"#;

const REACT_NGINX: &str = r#"# syntax=docker/dockerfile:1
FROM node:20-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.27-alpine
COPY --from=build /app/build /usr/share/nginx/html
EXPOSE 80
"#;

const PYTHON_SLIM: &str = r#"# syntax=docker/dockerfile:1
FROM python:3.12 AS build
WORKDIR /app
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.12-slim
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY . .
USER 1000
CMD ["python", "-m", "app"]
"#;

const TARGET_PRUNING: &str = r#"# syntax=docker/dockerfile:1
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
"#;

const PARALLEL: &str = r#"# syntax=docker/dockerfile:1
FROM node:20 AS frontend
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci
COPY web/ .
RUN npm run build

FROM golang:1.22 AS backend
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server

FROM alpine:3.20 AS certs
RUN apk add --no-cache ca-certificates

FROM scratch
COPY --from=certs /etc/ssl/certs /etc/ssl/certs
COPY --from=backend /out/server /server
COPY --from=frontend /web/dist /static
ENTRYPOINT ["/server"]
"#;

const ARGS_IN_FROM: &str = r#"# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"#;
