import { createDemoApp } from './create-demo'

createDemoApp().mount('#app')
