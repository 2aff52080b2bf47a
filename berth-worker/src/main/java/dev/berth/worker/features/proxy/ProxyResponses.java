package dev.berth.worker.features.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.berth.core.json.Json;
import java.io.IOException;
import java.io.OutputStream;

/** The proxies' own answers: JSON {@code {code, message}} as every Berth API answers errors. */
final class ProxyResponses {

    private ProxyResponses() {}

    static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("code", code);
        body.put("message", message);
        byte[] bytes = Json.writeBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        boolean head = "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
