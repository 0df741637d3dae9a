# tenantctl in controller mode: `docker run tenantctl --git https://... ` (see docs/controller.md).
# Small: the slim Python base, the package built in a first stage, no compiler in the result.
# git (and ssh) are included: `tenantctl run --git` runs the real git command.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY controller ./controller
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /var/lib/tenantctl tenantctl \
    && mkdir -p /var/lib/tenantctl/.tenantctl /fleet/.tenantctl \
    && chown -R 10001:10001 /var/lib/tenantctl /fleet
COPY --from=build /install /usr/local
# The state (.tenantctl/: the apply lock, the git clone, caches) lives in the working directory
# for --git, and in the fleet directory for --dir (/fleet is ready for a mounted fleet).
WORKDIR /var/lib/tenantctl
ENV PYTHONUNBUFFERED=1 HOME=/var/lib/tenantctl
USER 10001:10001
EXPOSE 9108
ENTRYPOINT ["tenantctl", "run"]
CMD ["--listen", "0.0.0.0:9108"]
