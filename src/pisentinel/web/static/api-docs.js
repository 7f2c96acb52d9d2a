/* Swagger UI for /api/docs, served from the package (no CDN, no inline script). */
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui",
                                deepLinking: true, presets: [SwaggerUIBundle.presets.apis],
                                layout: "BaseLayout" });
});
