// The interactive hotspot map (Leaflet, served by the app). Progressive enhancement: without it
// the page shows the server-drawn SVG map and the table of cells.
const container = document.getElementById('hotspot-map');
const L = window.L;

const BAND_STYLES = {
  hot_99: { fillColor: '#a50f15', dashArray: null },
  hot_95: { fillColor: '#de2d26', dashArray: null },
  hot_90: { fillColor: '#fc9272', dashArray: null },
  not_significant: { fillColor: '#f3f2f1', dashArray: null },
  cold_90: { fillColor: '#9ecae1', dashArray: '4 3' },
  cold_95: { fillColor: '#3182bd', dashArray: '4 3' },
  cold_99: { fillColor: '#08519c', dashArray: '4 3' },
};

async function showMap() {
  if (!container || !L) return;
  const response = await fetch(container.dataset.url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) return;
  const data = await response.json();
  const labels = JSON.parse(container.dataset.labels || '{}');

  container.hidden = false;
  document.getElementById('hotspot-static-map')?.setAttribute('hidden', '');
  // Clustering needs the map's zoom range even when there is no tile layer to give it.
  const map = L.map(container, { minZoom: 6, maxZoom: 19 });
  if (container.dataset.tileUrl) {
    L.tileLayer(container.dataset.tileUrl, { attribution: container.dataset.tileAttribution || '', maxZoom: 19 }).addTo(map);
  }

  const boundaries = L.geoJSON(data.boundaries, {
    style: { color: '#0b0c0c', weight: 1.5, fill: false },
    onEachFeature: (feature, layer) => layer.bindTooltip(feature.properties.name),
  }).addTo(map);

  const cells = L.geoJSON(data.cells, {
    style: (feature) => {
      const style = BAND_STYLES[feature.properties.band] || BAND_STYLES.not_significant;
      const significant = feature.properties.band !== 'not_significant';
      return { color: '#0b0c0c', weight: significant ? 1 : 0.3, fillOpacity: significant ? 0.75 : 0.25, fillColor: style.fillColor, dashArray: style.dashArray };
    },
    // The band is written out as well as coloured: tooltips name it for every hexagon.
    onEachFeature: (feature, layer) => {
      const name = labels[feature.properties.band] || feature.properties.band;
      layer.bindTooltip(`${name} – ${labels.cellCount || ''} ${feature.properties.countText}`);
    },
  }).addTo(map);

  const overlays = { [labels.boundaries || 'Boundaries']: boundaries, [labels.hexagons || 'Hexagons']: cells };
  if (data.points.length && L.markerClusterGroup) {
    const clusters = L.markerClusterGroup({ disableClusteringAtZoom: 17, chunkedLoading: true });
    clusters.addLayers(data.points.map(([latitude, longitude]) => L.circleMarker([latitude, longitude], { radius: 4, color: '#0b0c0c', weight: 1, fillColor: '#ffdd00', fillOpacity: 0.9 })));
    clusters.addTo(map);
    overlays[labels.incidents || 'Incidents'] = clusters;
  }
  L.control.layers(undefined, overlays, { collapsed: false }).addTo(map);
  map.fitBounds(boundaries.getBounds());
  container.dataset.ready = 'true';
}

showMap().catch((error) => {
  console.error('The interactive map could not be drawn', error);
  // The static map stays in place when the interactive one cannot be drawn.
  container?.setAttribute('hidden', '');
  document.getElementById('hotspot-static-map')?.removeAttribute('hidden');
});
