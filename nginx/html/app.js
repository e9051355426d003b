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
  return { url: `/api/uploads/${namespace}`, field: "file", materials: false, namespace };
}

function uploadFiles(files) {
  let target;
  try { target = uploadTarget(); } catch (error) { alert(error.message); return; }
  for (const file of files) {
    // Large files into a namespace go resumably (tus): a dropped connection loses nothing.
    if (!target.materials && file.size > RESUMABLE_THRESHOLD) uploadResumable(file, target.namespace);
    else uploadOne(file, target);
  }
}

function uploadRow(file) {
  const progress = element("progress", { max: file.size || 1, value: 0 });
  const stats = element("span", { className: "stats", textContent: `${formatBytes(file.size)} · waiting` });
  const outcome = element("span", { className: "outcome" });
  const cancel = element("button", { type: "button", textContent: "Cancel" });
  cancel.setAttribute("aria-label", `Cancel upload of ${file.name}`);
  const item = element("li", { className: "upload" }, [element("span", { className: "name", textContent: file.name }), cancel, progress, stats, outcome]);
  $("uploads").prepend(item);
  const finish = (ok, message) => {
    item.classList.remove("retrying");
    item.classList.add(ok ? "done" : "failed");
    outcome.textContent = message;
    cancel.remove();
  };
  return { item, progress, stats, outcome, cancel, finish };
}

// ---- Resumable uploads (tus 1.0.0, our own small client) ------------------------------------

const RESUMABLE_THRESHOLD = 8 * 1024 * 1024;
const CHUNK_SIZE = 8 * 1024 * 1024;
const PENDING_KEY = "depot.tus.pending";

function pendingUploads() {
  try { return JSON.parse(localStorage.getItem(PENDING_KEY)) || {}; } catch (_) { return {}; }
}

function savePending(pending) { localStorage.setItem(PENDING_KEY, JSON.stringify(pending)); }

// The same file chosen again is recognised by name, size and modification time.
function fingerprint(file, namespace) { return [namespace, file.name, file.size, file.lastModified].join("\u0000"); }

function base64Text(text) { return btoa(String.fromCharCode(...new TextEncoder().encode(text))); }

// One tus request; resolves with the XHR (any status), rejects when the connection fails.
function tusRequest(method, url, headers, body, handle) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    if (handle) handle.xhr = xhr;
    xhr.open(method, url);
    xhr.setRequestHeader("Tus-Resumable", "1.0.0");
    for (const [name, value] of Object.entries({ ...authHeaders(), ...headers })) xhr.setRequestHeader(name, value);
    xhr.addEventListener("load", () => resolve(xhr));
    xhr.addEventListener("error", () => reject(new Error("the connection failed")));
    xhr.addEventListener("abort", () => reject(new Error("cancelled")));
    xhr.send(body === undefined ? null : body);
  });
}

function tusError(xhr) {
  try { const body = JSON.parse(xhr.responseText); if (body && body.msg) return body.msg; } catch (_) { /* HEAD has no body */ }
  return `HTTP ${xhr.status}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function uploadResumable(file, namespace) {
  const row = uploadRow(file);
  const handle = { cancelled: false, xhr: null };
  row.item.classList.add("resumable");
  row.cancel.addEventListener("click", () => { handle.cancelled = true; if (handle.xhr) handle.xhr.abort(); });
  const key = fingerprint(file, namespace);
  const show = (offset, note) => {
    row.progress.max = file.size;
    row.progress.value = offset;
    row.stats.textContent = `${formatBytes(offset)} of ${formatBytes(file.size)} confirmed${note ? ` · ${note}` : ""}`;
  };
  let retries = 0;
  let url = (pendingUploads()[key] || {}).url;
  try {
    while (true) {
      if (handle.cancelled) throw new Error("cancelled");
      try {
        // Where the server is: a saved upload (after a reload or a dropped connection), or a new one.
        let offset = 0;
        if (url) {
          const head = await tusRequest("HEAD", url, {}, undefined, handle);
          if (head.status === 200) {
            offset = parseInt(head.getResponseHeader("Upload-Offset"), 10);
          } else if (head.status === 404 || head.status === 410) {
            url = null;
          } else {
            throw new Error(tusError(head));
          }
        }
        if (!url) {
          const created = await tusRequest("POST", `/api/tus/${namespace}`, {
            "Upload-Length": String(file.size),
            "Upload-Metadata": `filename ${base64Text(file.name)},filetype ${base64Text(file.type || "application/octet-stream")}`,
          }, undefined, handle);
          if (created.status !== 201) { row.finish(false, `refused: ${tusError(created)}`); return; }
          url = created.getResponseHeader("Location");
          const pending = pendingUploads();
          pending[key] = { url, name: file.name, size: file.size, namespace };
          savePending(pending);
        }
        row.item.classList.remove("retrying");
        show(offset, retries ? `resumed` : "");
        while (offset < file.size) {
          const chunk = file.slice(offset, Math.min(offset + CHUNK_SIZE, file.size));
          const response = await tusRequest("PATCH", url, { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" }, chunk, handle);
          if (response.status === 409 || response.status === 423) break;  // ask HEAD again
          if (response.status !== 204) {
            // A refused completion (a taken name, the pixel limit) is final: say so.
            row.finish(false, `refused: ${tusError(response)}`);
            const pending = pendingUploads(); delete pending[key]; savePending(pending);
            return;
          }
          offset = parseInt(response.getResponseHeader("Upload-Offset"), 10);
          show(offset, "");
        }
        if (offset < file.size) continue;
        const status = await tusRequest("GET", url, {}, undefined, handle);
        let body = null;
        try { body = JSON.parse(status.responseText); } catch (_) { /* not JSON */ }
        const pending = pendingUploads(); delete pending[key]; savePending(pending);
        showResumeOffers();
        if (status.status === 200 && body && body.code === 0 && body.data.path) {
          row.item.dataset.fileId = body.data.id;
          row.finish(true, `stored at ${body.data.path} (resumable${retries ? `, ${retries} interruption${retries > 1 ? "s" : ""}` : ""})`);
        } else {
          row.finish(false, `refused: ${body && body.msg ? body.msg : `HTTP ${status.status}`}`);
        }
        return;
      } catch (error) {
        if (handle.cancelled) throw error;
        // The connection dropped: keep what the server confirmed and try again, a little later each time.
        retries += 1;
        row.item.dataset.retries = String(retries);
        row.item.classList.add("retrying");
        row.stats.textContent = `${formatBytes(row.progress.value)} of ${formatBytes(file.size)} confirmed · connection lost, retrying…`;
        await sleep(Math.min(5000, 500 * 2 ** Math.min(retries, 4)));
      }
    }
  } catch (error) {
    if (url) await tusRequest("DELETE", url, {}, undefined, null).catch(() => {});
    const pending = pendingUploads(); delete pending[key]; savePending(pending);
    showResumeOffers();
    row.finish(false, error.message);
  }
}

// After a reload the browser no longer has the file: offer to resume when it is chosen again.
function showResumeOffers() {
  const list = $("resume");
  list.replaceChildren();
  for (const [key, upload] of Object.entries(pendingUploads())) {
    const forget = element("button", { type: "button", textContent: "Forget" });
    forget.addEventListener("click", async () => {
      await tusRequest("DELETE", upload.url, {}, undefined, null).catch(() => {});
      const pending = pendingUploads(); delete pending[key]; savePending(pending);
      showResumeOffers();
    });
    list.append(element("li", { className: "resume-offer" }, [
      element("span", { textContent: `${upload.name} (${formatBytes(upload.size)}) into ${upload.namespace} was interrupted: choose the same file again to resume it. ` }),
      forget,
    ]));
  }
}

function uploadOne(file, target) {
  const { progress, stats, cancel, finish } = uploadRow(file);

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
    // A 256-pixel thumbnail (512 on 2× screens), made once by the server and then served by
    // nginx; the original only if no thumbnail can be made of it (a BMP or an icon, say).
    const base = `/api/files/${fileID(item.url)}/thumbnail`;
    const img = element("img", {
      src: `${base}?size=256`, srcset: `${base}?size=256 1x, ${base}?size=512 2x`,
      alt: item.origin_filename || `material ${item.id}`, loading: "lazy", decoding: "async",
    });
    img.addEventListener("error", () => { img.removeAttribute("srcset"); img.src = item.url; }, { once: true });
    thumb.append(img);
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
showResumeOffers();
