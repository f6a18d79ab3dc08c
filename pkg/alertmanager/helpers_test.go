package alertmanager

import (
	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/common/model"
)

func loadForTest(b []byte) (*config.Config, error) { return config.Load(string(b)) }

func lset(label, value, service, name string) model.LabelSet {
	return model.LabelSet{model.LabelName(label): model.LabelValue(value), "service": model.LabelValue(service), "alertname": model.LabelValue(name)}
}
