# syntax=docker/dockerfile:1
# Build: docker build -t shawbot .      Run: see README.md, "Docker".

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so code edits do not invalidate the package layer.
COPY Directory.Build.props Directory.Packages.props ShawBot.sln ./
COPY src/ShawBot/ShawBot.csproj src/ShawBot/
COPY src/ShawBot.Core/ShawBot.Core.csproj src/ShawBot.Core/
COPY src/ShawBot.Engine/ShawBot.Engine.csproj src/ShawBot.Engine/
COPY src/ShawBot.Infrastructure/ShawBot.Infrastructure.csproj src/ShawBot.Infrastructure/
COPY src/ShawBot.Sandbox/ShawBot.Sandbox.csproj src/ShawBot.Sandbox/
RUN dotnet restore src/ShawBot/ShawBot.csproj
COPY . .
RUN dotnet publish src/ShawBot/ShawBot.csproj -c Release --no-restore -o /app/publish /p:UseAppHost=true \
 && mkdir -p models && cp -r models /app/publish/models

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app/publish ./
# The loss-curve plots (ScottPlot on Skia) draw their axis labels with a system font.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 shawbot \
 && useradd --system --uid 10001 --gid shawbot --home-dir /app --shell /usr/sbin/nologin shawbot \
 && mkdir -p /app/state /app/adapters /app/secrets \
 && chown -R shawbot:shawbot /app/state /app/adapters /app/secrets
USER shawbot

ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_gcServer=0 \
    ShawBot__Store__DatabasePath=/app/state/shawbot.db \
    ShawBot__Adapters__Path=/app/adapters \
    ShawBot__YouTube__TokenDirectory=/app/secrets \
    ShawBot__Web__Address=0.0.0.0 \
    ShawBot__Web__Port=5080
# state: SQLite database; models: base model folders (read-only is fine); adapters: the adapter registry; secrets: OAuth token.
VOLUME ["/app/state", "/app/models", "/app/adapters", "/app/secrets"]
EXPOSE 5080
ENTRYPOINT ["/app/shawbot"]
CMD ["run"]
