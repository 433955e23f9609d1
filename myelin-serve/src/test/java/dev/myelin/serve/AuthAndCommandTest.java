package dev.myelin.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class AuthAndCommandTest {
    @Test
    void bearerTokenGuardsAllButHealth(@TempDir Path repo) throws Exception {
        save(mlp(1), repo, "mlp", 1);
        try (InferenceServer server = InferenceServer.builder(repo).port(0).token("s3cret").pollInterval(Duration.ZERO).start();
             HttpClient http = HttpClient.newHttpClient();
             KServeClient anonymous = new KServeClient(server.uri());
             KServeClient wrong = new KServeClient(server.uri(), "guess", Duration.ofSeconds(10));
             KServeClient right = new KServeClient(server.uri(), "s3cret", Duration.ofSeconds(10))) {
            assertTrue(anonymous.live());
            assertTrue(anonymous.ready());
            for (KServeClient c : List.of(anonymous, wrong)) {
                KServeException e = assertThrows(KServeException.class, () -> c.modelMetadata("mlp"));
                assertEquals(401, e.status());
                assertEquals(401, assertThrows(KServeException.class,
                        () -> c.infer("mlp", List.of(InferTensor.fp32("input", new float[4], 1, 4)))).status());
            }
            var r = raw(http, server.uri(), "GET", "/metrics", null);
            assertEquals(401, r.statusCode());
            assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertEquals(200, raw(http, server.uri(), "GET", "/metrics", null, "Authorization", "Bearer s3cret").statusCode());
            float[] x = features(new java.util.Random(1), 1);
            assertClose(predict(mlp(1), x, 1), right.infer("mlp", List.of(InferTensor.fp32("input", x, 1, 4))).outputs().getFirst().floats());
        }
    }

    @Test
    void commandParsesOptionsAndReportsAMissingFolder(@TempDir Path dir) throws Exception {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs("--models", dir.toString(), "--port", "0", "--host", "0.0.0.0", "--max-body-bytes", "1024",
                "--poll-interval-ms", "0", "--lenient-readiness");
        assertEquals(dir, cmd.models);
        assertEquals(0, cmd.port);
        assertEquals("0.0.0.0", cmd.host);
        assertEquals(1024, cmd.maxBodyBytes);
        assertTrue(cmd.lenientReadiness);

        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.setErr(new PrintWriter(err));
        assertEquals(1, cl.execute("--models", dir.resolve("missing").toString(), "--port", "0"));
        assertTrue(err.toString().contains("does not exist"), err.toString());

        Path tokenFile = Files.writeString(dir.resolve("token"), "\n");
        err.getBuffer().setLength(0);
        assertEquals(2, cl.execute("--models", dir.toString(), "--port", "0", "--token-file", tokenFile.toString()));
        assertTrue(err.toString().contains("empty"), err.toString());
    }

    @Test
    void portInUseIsReported(@TempDir Path repo) throws Exception {
        try (InferenceServer first = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start()) {
            var e = assertThrows(java.io.IOException.class, () -> InferenceServer.builder(repo).port(first.port()).start());
            assertTrue(e.getMessage().contains("cannot listen"), e.getMessage());
            try (KServeClient c = new KServeClient(URI.create("http://127.0.0.1:" + first.port()))) {
                assertTrue(c.ready(), "an empty repository is ready");
            }
        }
    }
}
