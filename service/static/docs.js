/* The API docs page: Swagger UI on /openapi.json, with "Authorize" for the bearer token. */
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: false,  /* a deep link is an anchor inside the summary button (nested interactive) */
  showExtensions: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
});
