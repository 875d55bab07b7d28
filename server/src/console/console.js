// The console's one script (optional: every page works without it). On a dashboard it
// keeps the count and the goal bar live from this origin's event stream; in the embed
// builder it selects the snippet on focus and offers a copy button.
(() => {
  const out = document.getElementById("live-count");
  if (out && "EventSource" in window) {
    const slug = out.dataset.campaign;
    const bar = document.getElementById("goal-progress");
    const pct = document.getElementById("goal-percent");
    const events = new EventSource(`/api/v1/campaigns/${encodeURIComponent(slug)}/events`);
    events.addEventListener("count", (e) => {
      const count = JSON.parse(e.data).count;
      if (typeof count !== "number") return;
      out.textContent = String(count);
      if (bar) {
        const goal = Number(bar.dataset.goal);
        bar.value = Math.min(count, goal);
        if (pct) pct.textContent = String(Math.min(100, Math.floor((count * 100) / Math.max(goal, 1))));
      }
    });
  }
  const snippet = document.getElementById("snippet");
  const copy = document.getElementById("copy");
  if (snippet) {
    snippet.addEventListener("focus", () => snippet.select());
    if (copy && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener("click", async () => {
        snippet.select();
        try {
          await navigator.clipboard.writeText(snippet.value);
          copy.textContent = "Copied";
        } catch {
          copy.textContent = "Select the text and copy it";
        }
      });
    }
  }
})();
