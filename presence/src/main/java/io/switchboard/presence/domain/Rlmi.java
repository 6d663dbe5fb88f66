package io.switchboard.presence.domain;

import java.util.List;

/** TEMPORARY: replaced by the xml helper's version at merge. */
public final class Rlmi {
    public record Resource(String uri, String instanceId, String state, String reason, String pidf) {
    }

    public record Body(String contentType, String text) {
    }

    public static String newBoundary() {
        return "b" + Long.toHexString(System.nanoTime());
    }

    public static Body build(String listUri, int version, boolean fullState, List<Resource> resources, String boundary) {
        StringBuilder b = new StringBuilder();
        b.append("--").append(boundary).append("\r\nContent-Type: application/rlmi+xml\r\nContent-ID: <rlmi@sb>\r\n\r\n");
        b.append("<list xmlns=\"urn:ietf:params:xml:ns:rlmi\" uri=\"").append(listUri).append("\" version=\"").append(version)
                .append("\" fullState=\"").append(fullState).append("\">");
        for (Resource r : resources) {
            b.append("<resource uri=\"").append(r.uri()).append("\"><instance id=\"").append(r.instanceId())
                    .append("\" state=\"").append(r.state()).append("\"/></resource>");
        }
        b.append("</list>\r\n");
        for (Resource r : resources) {
            if (r.pidf() != null) {
                b.append("--").append(boundary).append("\r\nContent-Type: application/pidf+xml\r\n\r\n").append(r.pidf()).append("\r\n");
            }
        }
        b.append("--").append(boundary).append("--\r\n");
        return new Body("multipart/related;type=\"application/rlmi+xml\";start=\"<rlmi@sb>\";boundary=\"" + boundary + "\"", b.toString());
    }
}
