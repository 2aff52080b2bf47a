package dev.berth.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.auth.TokenSealer;
import dev.berth.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/**
 * The server's secrets under the data directory, readable by the owner only: the key that seals stored access
 * tokens and signs upload URLs, and the root client's token when none is configured. Never logged.
 */
public record Secrets(byte[] serverKey, String rootAccessToken, Path rootCredentialsFile) {

    public static Secrets loadOrCreate(Path dataDir, String configuredRootToken, String rootUrl) {
        try {
            PrivateFiles.directory(dataDir);
            Path keyFile = dataDir.resolve("server-key");
            if (!Files.exists(keyFile)) writePrivate(keyFile, TokenSealer.generateKey());
            PrivateFiles.file(keyFile);
            byte[] key = Base64.getDecoder().decode(Files.readString(keyFile).trim());

            Path credsFile = dataDir.resolve("root-credentials.json");
            String token = configuredRootToken;
            if (token == null) {
                if (Files.exists(credsFile)) {
                    JsonNode existing = Json.MAPPER.readTree(credsFile.toFile());
                    token = existing.path("credentials").path("accessToken").asText(null);
                }
                if (token == null) token = TokenSealer.generateAccessToken();
            }
            // the shape of a client config file, so `berth task ...` can use it as it is
            ObjectNode file = Json.MAPPER.createObjectNode();
            file.put("rootUrl", rootUrl);
            ObjectNode creds = file.putObject("credentials");
            creds.put("clientId", dev.berth.server.auth.AuthService.ROOT_CLIENT_ID);
            if (configuredRootToken == null) creds.put("accessToken", token);
            else creds.put("accessToken", "(from BERTH_ROOT_ACCESS_TOKEN)");
            writePrivate(credsFile, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(file) + "\n");
            return new Secrets(key, token, credsFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write secrets under " + dataDir, e);
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
