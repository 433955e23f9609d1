package dev.myelin.serve;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code myelin serve}: serves a model repository on the KServe v2 REST protocol until stopped
 * (Ctrl-C or SIGTERM finish the requests in flight first).
 *
 * <pre>
 * myelin serve --models models --port 8000
 * curl localhost:8000/v2/models/mlp
 * </pre>
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a folder of models over HTTP on the KServe v2 (Open Inference) protocol, with dynamic batching,",
                "hot reload of new versions and Prometheus metrics at /metrics.",
                "Layout: DIR/<model>/<version>/model.myelin, with optional settings in DIR/<model>/config.json."})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--models", required = true, paramLabel = "DIR", description = "The model repository folder.")
    Path models;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:MYELIN_SERVE_TOKEN}",
            description = "Bearer token required on every endpoint but /v2/health/* (default: the MYELIN_SERVE_TOKEN environment variable; none if unset).")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Read the bearer token from this file (its first line).")
    Path tokenFile;

    @Option(names = "--max-body-bytes", defaultValue = "67108864", description = "Largest request body accepted (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(names = "--max-tensor-elements", defaultValue = "16777216", description = "Most values a request's tensors may hold (default: ${DEFAULT-VALUE}).")
    int maxTensorElements;

    @Option(names = "--max-concurrent-requests", defaultValue = "256", description = "Inference requests handled at once; more get 503 (default: ${DEFAULT-VALUE}).")
    int maxConcurrentRequests;

    @Option(names = "--poll-interval-ms", defaultValue = "2000", description = "How often to look for new model versions; 0 for never (default: ${DEFAULT-VALUE}).")
    long pollIntervalMs;

    @Option(names = "--idle-timeout-ms", defaultValue = "65000", description = "Close connections idle this long (default: ${DEFAULT-VALUE}).")
    long idleTimeoutMs;

    @Option(names = "--body-timeout-ms", defaultValue = "30000", description = "Time a client has to send a request body (default: ${DEFAULT-VALUE}).")
    long bodyTimeoutMs;

    @Option(names = "--drain-timeout-ms", defaultValue = "30000", description = "On shutdown, how long requests in flight may take (default: ${DEFAULT-VALUE}).")
    long drainTimeoutMs;

    @Option(names = "--lenient-readiness", description = "Report ready once the server is up, even if some model has no version ready.")
    boolean lenientReadiness;

    @Override
    public Integer call() throws Exception {
        String t = token;
        if (tokenFile != null) {
            try {
                String first = Files.readString(tokenFile, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
                if (first.isEmpty()) throw new IOException("it is empty");
                t = first;
            } catch (IOException e) {
                spec.commandLine().getErr().println("myelin serve: cannot read the token file " + tokenFile + ": " + e.getMessage());
                return 2;
            }
        }
        if (t != null && t.isBlank()) t = null;
        ServeOptions options;
        try {
            options = ServeOptions.builder(models).host(host).port(port).token(t)
                    .maxBodyBytes(maxBodyBytes).maxTensorElements(maxTensorElements).maxConcurrentRequests(maxConcurrentRequests)
                    .pollInterval(Duration.ofMillis(pollIntervalMs)).idleTimeout(Duration.ofMillis(idleTimeoutMs))
                    .bodyTimeout(Duration.ofMillis(bodyTimeoutMs)).drainTimeout(Duration.ofMillis(drainTimeoutMs))
                    .strictReadiness(!lenientReadiness).build();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("myelin serve: " + e.getMessage());
            return 2;
        }
        InferenceServer server;
        try {
            server = InferenceServer.start(options);
        } catch (IOException e) {
            spec.commandLine().getErr().println("myelin serve: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(server::stop, "myelin-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine().getOut().println("Serving " + models + " at " + server.uri() + " (KServe v2 REST; metrics at " + server.uri() + "/metrics)"
                + (t != null ? "; bearer token required" : ""));
        spec.commandLine().getOut().flush();
        server.awaitShutdown();
        return 0;
    }
}
