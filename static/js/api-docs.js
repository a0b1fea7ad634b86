// The API's reference page (/api/v1/docs): Swagger UI, from static/vendor, reading the schema
// whose address the page gives. Nothing runs inline (the site's Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("api-docs");
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: true,
    // No badge from validator.swagger.io: the page asks nothing of other sites.
    validatorUrl: null,
  });
});
