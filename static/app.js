// Tiny page glue. htmx itself is served from /vendor/htmx (pinned, installed by npm ci).
document.addEventListener("htmx:afterSwap", function () {
  // After any swap, put the cursor back where the next scan or entry goes.
  var target = document.querySelector("[data-scan]") || document.querySelector("[autofocus]");
  if (target) { target.focus(); }
});
