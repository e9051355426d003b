"use strict";
// Depot's web page: plain JavaScript over the HTTP contract (../shared/API.md). No build step.

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 12;
let galleryOffset = 0;

// ---- API helpers ---------------------------------------------------------------------------

function token() { return $("token").value.trim(); }

function authHeaders() {
  const value = token();
  return value ? { Authorization: `Bearer ${value}` } : {};
}

async function api(method, path, json) {
  const init = { method, headers: { ...authHeaders() } };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  const response = await fetch(path, init);
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (!response.ok || !body || body.code !== 0) {
    const message = body && body.msg ? body.msg : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return body.data;
}

function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function formatSeconds(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "…";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
}

function element(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

// ---- Health and token --------------------------------------------------------------------

async function checkHealth() {
  const pill = $("health");
  try {
    const data = await api("GET", "/api/healthz");
    pill.textContent = data.db === "ok" && data.storage === "ok" ? "healthy" : "degraded";
    pill.className = "pill ok";
  } catch (error) {
    pill.textContent = `unhealthy: ${error.message}`;
    pill.className = "pill bad";
  }
}

$("token").value = localStorage.getItem("depot.token") || "";
$("token").addEventListener("change", () => localStorage.setItem("depot.token", token()));

// ---- Uploads -------------------------------------------------------------------------------

function uploadTarget() {
  const toMall = document.querySelector("input[name=target]:checked").value === "mall";
  if (toMall) {
    const mall = parseInt($("mall-id").value, 10);
    if (!(mall > 0)) throw new Error("the mall id must be a positive number");
    return { url: `/api/malls/${mall}/materials`, field: "files", materials: true };
  }
  const namespace = $("namespace").value.trim();
  if (!/^[a-z0-9_-]{1,64}(\/[a-z0-9_-]{1,64}){0,3}$/.test(namespace)) {
    throw new Error("a namespace is 1 to 4 segments of a-z, 0-9, _ and -");
  }
  return { url: `/api/uploads/${namespace}`, field: "file", materials: false };
}

function uploadFiles(files) {
  let target;
  try { target = uploadTarget(); } catch (error) { alert(error.message); return; }
  for (const file of files) uploadOne(file, target);
}

function uploadOne(file, target) {
  const progress = element("progress", { max: file.size || 1, value: 0 });
  const stats = element("span", { className: "stats", textContent: `${formatBytes(file.size)} · waiting` });
  const outcome = element("span", { className: "outcome" });
  const cancel = element("button", { type: "button", textContent: "Cancel" });
  cancel.setAttribute("aria-label", `Cancel upload of ${file.name}`);
  const item = element("li", { className: "upload" }, [element("span", { className: "name", textContent: file.name }), cancel, progress, stats, outcome]);
  $("uploads").prepend(item);

  const xhr = new XMLHttpRequest();
  const started = performance.now();
  xhr.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    progress.max = event.total;
    progress.value = event.loaded;
    const seconds = (performance.now() - started) / 1000;
    const speed = event.loaded / Math.max(seconds, 0.001);
    const left = (event.total - event.loaded) / Math.max(speed, 1);
    stats.textContent = `${formatBytes(event.loaded)} of ${formatBytes(event.total)} · ${formatBytes(speed)}/s · ${formatSeconds(left)} left`;
  });
  const finish = (ok, message) => {
    item.classList.add(ok ? "done" : "failed");
    outcome.textContent = message;
    cancel.remove();
  };
  xhr.addEventListener("load", () => {
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status >= 200 && xhr.status < 300 && body && body.code === 0) {
      progress.value = progress.max;
      if (target.materials) {
        const entry = body.data[0];
        if (entry && entry.success) {
          finish(true, `stored as ${entry.format} ${entry.width}×${entry.height}, material #${entry.id}`);
          loadGallery();
        } else {
          finish(false, `refused: ${entry ? entry.reason : "no file in the request"}`);
        }
      } else {
        const stored = body.data.files[0];
        finish(true, stored ? `stored at ${stored.path}` : "nothing stored (empty file)");
      }
    } else {
      finish(false, `refused: ${body && body.msg ? body.msg : `HTTP ${xhr.status}`}`);
    }
  });
  xhr.addEventListener("error", () => finish(false, "the connection failed"));
  xhr.addEventListener("abort", () => finish(false, "cancelled"));
  cancel.addEventListener("click", () => xhr.abort());

  const form = new FormData();
  form.append(target.field, file, file.name);
  xhr.open("POST", target.url);
  for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
  xhr.send(form);
}

$("files").addEventListener("change", (event) => {
  uploadFiles(event.target.files);
  event.target.value = "";
});
const drop = $("drop");
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  uploadFiles(event.dataTransfer.files);
});
drop.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") { event.preventDefault(); $("files").click(); }
});
$("mall-id").addEventListener("change", () => { galleryOffset = 0; loadGallery(); });

// ---- Gallery -------------------------------------------------------------------------------

function fileID(url) { return url.split("/").pop(); }

async function loadGallery() {
  const mall = parseInt($("mall-id").value, 10);
  $("gallery-mall").textContent = mall > 0 ? String(mall) : "?";
  if (!(mall > 0)) return;
  const type = $("gallery-type").value;
  const query = new URLSearchParams({ limit: PAGE_SIZE, offset: galleryOffset });
  if (type !== "") query.set("type", type);
  const list = $("gallery");
  try {
    const data = await api("GET", `/api/malls/${mall}/materials?${query}`);
    list.replaceChildren(...data.items.map(card));
    $("gallery-total").textContent = `${data.total} in all`;
    const pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
    $("page").textContent = `page ${Math.floor(galleryOffset / PAGE_SIZE) + 1} of ${pages}`;
    $("prev").disabled = galleryOffset === 0;
    $("next").disabled = galleryOffset + PAGE_SIZE >= data.total;
  } catch (error) {
    $("gallery-total").textContent = `cannot list: ${error.message}`;
  }
}

function card(item) {
  const thumb = element("div", { className: "thumb" });
  if (item.material_type === 0) {
    thumb.append(element("img", { src: item.url, alt: item.origin_filename || `material ${item.id}`, loading: "lazy" }));
  } else {
    thumb.append(element("span", { textContent: `${item.format} (video/audio)` }));
  }
  const meta = element("div", { className: "meta" }, [
    element("span", { className: "title", textContent: item.origin_filename || "(no name)" }),
    element("span", { textContent: `${item.material_type === 0 ? "image" : "media"} · ${item.format} · ${formatBytes(item.size)}` }),
    element("span", { textContent: item.width ? `${item.width} × ${item.height}` : "size unknown" }),
  ]);
  const copy = element("button", { type: "button", textContent: "Copy link" });
  copy.setAttribute("aria-label", `Copy a signed link to ${item.origin_filename}`);
  copy.addEventListener("click", () => copyLink(item, copy));
  const remove = element("button", { type: "button", className: "danger", textContent: "Delete" });
  remove.setAttribute("aria-label", `Delete ${item.origin_filename}`);
  remove.addEventListener("click", () => deleteMaterial(item));
  const node = element("li", { className: "card" }, [thumb, meta, element("div", { className: "actions" }, [copy, remove])]);
  node.dataset.id = String(item.id);
  return node;
}

async function copyLink(item, button) {
  try {
    const data = await api("POST", `/api/files/${fileID(item.url)}/link`, { ttl: 3600 });
    const url = new URL(data.url, location.href).href;
    try {
      await navigator.clipboard.writeText(url);
      button.textContent = "Copied";
    } catch (_) {
      window.prompt("Signed link (valid for an hour):", url);
    }
  } catch (error) {
    button.textContent = `No link: ${error.message}`;
  }
}

function confirmDialog(text) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

async function deleteMaterial(item) {
  if (!(await confirmDialog(`Delete “${item.origin_filename}” (material #${item.id})? The file is removed too.`))) return;
  try {
    await api("DELETE", `/api/materials/${item.id}`);
  } catch (error) {
    alert(`Not deleted: ${error.message}`);
  }
  loadGallery();
}

$("refresh").addEventListener("click", loadGallery);
$("gallery-type").addEventListener("change", () => { galleryOffset = 0; loadGallery(); });
$("prev").addEventListener("click", () => { galleryOffset = Math.max(0, galleryOffset - PAGE_SIZE); loadGallery(); });
$("next").addEventListener("click", () => { galleryOffset += PAGE_SIZE; loadGallery(); });

// ---- Fetch ---------------------------------------------------------------------------------

$("fetch-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = $("fetch-result");
  result.className = "result";
  result.textContent = "fetching…";
  try {
    const data = await api("POST", "/api/fetch", { url: $("fetch-url").value.trim(), namespace: $("fetch-namespace").value.trim() || "fetched" });
    result.className = "result ok";
    result.replaceChildren("stored at ", element("a", { href: data.url, textContent: data.path }), ` (${data.content_type}, ${formatBytes(data.size)})`);
  } catch (error) {
    result.className = "result bad";
    result.textContent = `failed: ${error.message}`;
  }
});

// ---- Export --------------------------------------------------------------------------------

function isoDate(date) { return date.toISOString().slice(0, 10); }
const today = new Date();
$("export-start").value = isoDate(new Date(today.getTime() - 30 * 86400000));
$("export-end").value = isoDate(new Date(today.getTime() + 86400000));

$("export-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const result = $("export-result");
  const start = $("export-start").value;
  const end = $("export-end").value;
  if (!start || !end || start > end) {
    result.className = "result bad";
    result.textContent = "choose a start date that is not after the end date";
    return;
  }
  const query = new URLSearchParams({ start_time: start, end_time: end, format: $("export-format").value });
  if ($("export-mall-only").checked) query.set("mall_id", $("mall-id").value);
  const link = element("a", { href: `/api/reports/export?${query}`, download: "" });
  document.body.append(link);
  link.click();
  link.remove();
  result.className = "result ok";
  result.textContent = `downloading materials_${start}_${end}.${$("export-format").value}`;
});

checkHealth();
loadGallery();
